"""Two people signing in at the same moment on a threaded server each get their own session.

Views are singletons shared by every thread: state kept on `self` during a request is seen by concurrent
requests (PITFALLS). The server here is werkzeug's threaded one, as `make run` uses.
"""
from __future__ import annotations

import re
import sys
import threading

import pytest
import requests
from werkzeug.serving import WSGIRequestHandler, make_server

from tests.conftest import DEMO_PASSWORD

PEOPLE = ("yuanqu", "feiqiye")
ROUNDS = 30


class QuietHandler(WSGIRequestHandler):
    def log_request(self, *args, **kwargs):
        pass


@pytest.fixture
def live_url(app):
    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=QuietHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join()


def _token(html: str) -> str:
    return re.search(r'name="csrf_token"(?: type="hidden")? value="([^"]+)"', html).group(1)


def test_two_people_signing_in_at_once_each_get_their_own_session(app, live_url, monkeypatch):
    checked = threading.Barrier(len(PEOPLE))
    check_password = app.appbuilder.sm.auth_user_db

    def check_then_wait_for_the_other(username, password):
        """Both requests have checked their password before either goes on to sign its person in."""
        user = check_password(username, password)
        try:
            checked.wait(timeout=10)
        except threading.BrokenBarrierError:
            pass
        return user

    monkeypatch.setattr(app.appbuilder.sm, "auth_user_db", check_then_wait_for_the_other)
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # switch threads as often as possible, so the requests interleave
    barrier = threading.Barrier(len(PEOPLE))
    seen: dict[str, list[str]] = {name: [] for name in PEOPLE}

    def sign_in_repeatedly(username: str) -> None:
        for _ in range(ROUNDS):
            with requests.Session() as browser:
                token = _token(browser.get(f"{live_url}/login/").text)
                barrier.wait(timeout=30)
                page = browser.post(f"{live_url}/login/", data={
                    "username": username, "password": DEMO_PASSWORD, "csrf_token": token})
                home = browser.get(f"{live_url}/")
                found = re.search(r"当前用户：<b>([^<]+)</b>", home.text)
                seen[username].append(found.group(1) if found else f"not signed in ({page.status_code})")

    try:
        threads = [threading.Thread(target=sign_in_repeatedly, args=(name,)) for name in PEOPLE]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=300)
    finally:
        sys.setswitchinterval(interval)
    for name in PEOPLE:
        assert seen[name] == [name] * ROUNDS, f"{name}'s sessions belonged to: {sorted(set(seen[name]))}"
