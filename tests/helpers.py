"""Steps that many test-client tests take the same way: a signed-in session's CSRF token, and a form posted
with it."""
from __future__ import annotations

import os

import pytest

from tests.conftest import csrf_token

# Every signed-in role may open it, and its form carries the session's token.
TOKEN_PAGE = "/profile/password/"


def session_token(client) -> str:
    """The CSRF token of a signed-in client's session."""
    return csrf_token(client.get(TOKEN_PAGE).get_data(as_text=True))


def post_form(client, url: str, **data):
    """POST `data` to `url` with the session's CSRF token, as multipart/form-data like the pages' forms (values
    may be (file, name) tuples)."""
    return client.post(url, data={**data, "csrf_token": session_token(client)}, content_type="multipart/form-data")


def job_file(client, url: str, **data):
    """Start a background job by POSTing to `url` (without Redis it runs at once), follow to its page and download
    its file: (job page response, file response)."""
    started = post_form(client, url, **data)
    assert started.status_code == 303, (url, started.status_code)
    job_page = client.get(started.headers["Location"])
    assert job_page.status_code == 200
    return job_page, client.get(started.headers["Location"] + "/file")


def flushed_test_redis() -> str:
    """TEST_REDIS_URL, reachable and emptied; unreachable, the test fails in CI (.ci/run starts Redis) and is
    skipped elsewhere."""
    import redis

    url = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
    try:
        redis.Redis.from_url(url).ping()
    except redis.exceptions.ConnectionError:
        if os.environ.get("CI"):
            pytest.fail(f"Redis is not reachable at {url}; .ci/run starts it")
        pytest.skip(f"Redis is not reachable at {url}")
    redis.Redis.from_url(url).flushdb()
    return url
