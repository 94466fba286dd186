"""Background jobs: large exports and the 推荐汇总表 as jobs, inline without Redis and through a real RQ worker with
it; progress, failures said in Chinese, the owner's alone, the file the rows of the requester's scope."""
from __future__ import annotations

import io
import re
from contextlib import contextmanager

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from app import jobs
from app.extensions import db
from app.models import Declaration, Job
from app.vocabulary import JobStatus
from tests import factories as f
from tests.helpers import flushed_test_redis, job_file, post_form

EXPORT = "/review/declarations/export/?tab=all"


@pytest.fixture(scope="module")
def submitted(app):
    """Three declarations of 长安 waiting for review, so that an export holds more rows than a threshold of 2."""
    with app.app_context():
        ids = [f.act(f.drafted("qiye", "energy_saving_tech"), "submit", "qiye").id for _ in range(3)]
        db.session.commit()
    return ids


@pytest.fixture
def small_threshold(app):
    """Exports of more than two rows become jobs."""
    before = app.config["EXPORT_JOB_ROWS"]
    app.config["EXPORT_JOB_ROWS"] = 2
    yield 2
    app.config["EXPORT_JOB_ROWS"] = before


@contextmanager
def redis_at(app, url):
    """The module's app on another REDIS_URL for a while: the Redis clients it made for the old one (the shared
    store's, the job queue's) are dropped on the way in and out, so no other test meets a client of this one."""
    def forget():
        app.extensions.pop("platform_redis", None)
        app.extensions.pop("job_queue", None)

    forget()
    app.config["REDIS_URL"] = url
    try:
        yield url
    finally:
        app.config["REDIS_URL"] = None
        forget()


@pytest.fixture
def redis_url(app):
    url = flushed_test_redis()
    with redis_at(app, url):
        yield url


def rows_of(data: bytes) -> list[tuple]:
    return list(load_workbook(io.BytesIO(data), read_only=True).active.values)


def job_id(response) -> int:
    return int(re.search(r"/jobs/(\d+)$", response.headers["Location"]).group(1))


def test_a_small_export_downloads_at_once_a_large_one_offers_a_job(app, client_as, submitted, small_threshold):
    client = client_as("changan")
    app.config["EXPORT_JOB_ROWS"] = 10_000
    direct = client.get(EXPORT)
    assert direct.status_code == 200 and direct.mimetype.endswith("spreadsheetml.sheet")
    app.config["EXPORT_JOB_ROWS"] = small_threshold
    before = db_count(app)
    offer = client.get(EXPORT)
    text = offer.get_data(as_text=True)
    assert offer.status_code == 200 and "在后台生成" in text and "超过 2 条" in text
    assert 'method="post"' in text and "/review/declarations/export/?tab=all" in text
    assert db_count(app) == before  # offering starts nothing: only the POST does


def db_count(app) -> int:
    with app.app_context():
        return db.session.query(Job).count()


def test_inline_job_gives_the_rows_of_the_scope_taken_when_asked(app, client_as, submitted, small_threshold):
    """Without REDIS_URL the POST runs the job in the request; its file has exactly the rows a direct export of
    the same filters has, and those are 长安's."""
    client = client_as("changan")
    page, file = job_file(client, EXPORT)
    text = page.get_data(as_text=True)
    assert "已完成" in text and "下载文件" in text
    assert file.status_code == 200 and "attachment" in file.headers["Content-Disposition"]
    app.config["EXPORT_JOB_ROWS"] = 10_000
    assert rows_of(file.data) == rows_of(client.get(EXPORT).data)
    with app.app_context():
        changan = f.authority("county", "130102").id
        scope = set(db.session.scalars(select(Declaration.id).where(
            Declaration.county_authority_id == changan, Declaration.submitted_at.is_not(None))))
    exported = [row[0] for row in rows_of(file.data)[1:]]
    assert set(exported) == scope and set(submitted) <= scope and len(exported) == len(scope)
    listing = client.get("/jobs/").get_data(as_text=True)
    assert "申报审核列表" in listing and "已完成" in listing


def test_the_job_page_and_file_are_the_owners_alone(app, client_as, submitted, small_threshold):
    started = post_form(client_as("changan"), EXPORT)
    pk = job_id(started)
    for other in ("shijiazhuang", "hebeisheng", "gongxinbu"):  # reviewers too, with the permission and more scope
        client = client_as(other)
        for path in (f"/jobs/{pk}", f"/jobs/{pk}/status", f"/jobs/{pk}/file"):
            assert client.get(path).status_code == 404, (other, path)
        assert f"/jobs/{pk}" not in client.get("/jobs/").get_data(as_text=True)
    assert client_as("qiye").get(f"/jobs/{pk}").status_code == 403  # no 我的导出 for applicants


def test_progress_is_committed_chunk_by_chunk(app, client_as, submitted, small_threshold, monkeypatch):
    """With no pause between reports, each chunk's count is committed (a running job commits it at most once per
    PROGRESS_SECONDS, and always the last)."""
    from app.views import declarations

    monkeypatch.setattr(declarations, "EXPORT_CHUNK", 1)
    monkeypatch.setattr(jobs, "PROGRESS_SECONDS", 0)
    seen = []
    original = jobs._set

    def recording(pk, **values):
        if "done_rows" in values:
            with app.app_context():
                seen.append(values["done_rows"])
        original(pk, **values)

    monkeypatch.setattr(jobs, "_set", recording)
    client = client_as("changan")
    started = post_form(client, EXPORT)
    total = len(rows_of(client.get(f"/jobs/{job_id(started)}/file").data)) - 1
    assert seen == list(range(1, total + 1)) and total >= 3
    status = client.get(f"/jobs/{job_id(started)}/status").get_json()
    assert status["status"] == "done" and status["progress"] == 100 and status["done_rows"] == total
    assert status["file"].endswith(f"/jobs/{job_id(started)}/file")


def test_a_failed_job_says_why_in_chinese(app, client_as, submitted, small_threshold, monkeypatch):
    from app.views import declarations

    def broken(query):
        raise RuntimeError("disk full")

    monkeypatch.setattr(declarations, "export_rows", broken)
    client = client_as("changan")
    pk = job_id(post_form(client, EXPORT))
    page = client.get(f"/jobs/{pk}").get_data(as_text=True)
    assert "失败" in page and "导出失败：生成文件时出错，请稍后重新导出" in page and "disk full" not in page
    assert client.get(f"/jobs/{pk}/file").status_code == 404
    status = client.get(f"/jobs/{pk}/status").get_json()
    assert status["status"] == "failed" and status["error"].startswith("生成文件时出错")
    english = client.get(f"/jobs/{pk}", headers={"Accept-Language": "en"})
    assert english.status_code == 200


def test_a_refused_job_keeps_the_refusals_text(app, client_as):
    from app.views.publication import PUBLICATION_EXPORT

    client = client_as("hebeisheng")
    with app.app_context():
        owner = f.actor_of("hebeisheng").user_id
        pk = jobs.start(PUBLICATION_EXPORT, owner, "名单.xlsx", {"publication_id": 999_999}).id
    assert "要导出的内容已不存在" in client.get(f"/jobs/{pk}").get_data(as_text=True)


def test_summary_table_is_a_job(app, client_as):
    from app.domain import recommendation
    from app.models import RecommendationPackage

    with app.app_context():
        batch = f.new_batch("汇总表任务批", "energy_saving_tech")
        members = f.in_package(batch, 2)
        db.session.commit()
        pk = members[0].package_id
        expected = recommendation.summary_rows(db.session, db.session.get(RecommendationPackage, pk))
    client = client_as("hebeisheng")
    offer = client.get(f"/recommendations/summary/{pk}")
    assert offer.status_code == 200 and "在后台生成" in offer.get_data(as_text=True)
    page, file = job_file(client, f"/recommendations/summary/{pk}")
    assert "推荐汇总表" in page.get_data(as_text=True)
    rows = rows_of(file.data)
    assert rows[0] == tuple(recommendation.SUMMARY_COLUMNS) and len(rows) == len(expected) + 1
    assert [row[1] for row in rows[1:]] == [row[1] for row in expected]


def test_with_redis_the_job_waits_for_a_worker(app, client_as, submitted, small_threshold, redis_url):
    """With REDIS_URL the POST only queues; the page shows 排队中 and 0 %, an RQ worker (SimpleWorker, burst)
    runs it with the app's context, and the file then holds the scope's rows."""
    from redis import Redis
    from rq import Queue, SimpleWorker

    client = client_as("changan")
    pk = job_id(post_form(client, EXPORT))
    page = client.get(f"/jobs/{pk}").get_data(as_text=True)
    assert "排队中" in page and 'value="0"' in page and "job-progress.js" in page
    assert client.get(f"/jobs/{pk}/status").get_json()["status"] == "queued"
    assert client.get(f"/jobs/{pk}/file").status_code == 404
    with app.app_context():
        queue = Queue(app.config["JOB_QUEUE"], connection=Redis.from_url(redis_url))
        assert len(queue) == 1
        SimpleWorker([queue], connection=queue.connection).work(burst=True)
    status = client.get(f"/jobs/{pk}/status").get_json()
    assert status["status"] == "done" and status["progress"] == 100
    app.config["EXPORT_JOB_ROWS"] = 10_000
    assert rows_of(client.get(f"/jobs/{pk}/file").data) == rows_of(client.get(EXPORT).data)


def test_with_redis_a_lost_job_is_said_failed(app, client_as, submitted, small_threshold, redis_url):
    from redis import Redis
    from rq import Queue

    client = client_as("changan")
    pk = job_id(post_form(client, EXPORT))
    Queue(app.config["JOB_QUEUE"], connection=Redis.from_url(redis_url)).empty()  # as if its worker died with it
    page = client.get(f"/jobs/{pk}").get_data(as_text=True)
    assert "后台任务意外中断" in page


def test_with_redis_unreachable_the_job_says_so(app, client_as, submitted, small_threshold):
    client = client_as("changan")
    with redis_at(app, "redis://127.0.0.1:1/0"):
        pk = job_id(post_form(client, EXPORT))
    assert "后台任务队列暂时无法连接" in client.get(f"/jobs/{pk}").get_data(as_text=True)


def test_worker_command_needs_redis(app):
    result = app.test_cli_runner().invoke(args=["worker", "--burst"])
    assert result.exit_code != 0 and "REDIS_URL" in result.output


def test_the_menu_leads_to_my_exports(client_as):
    assert "/jobs/" in client_as("changan").get("/review/declarations/list/").get_data(as_text=True)
