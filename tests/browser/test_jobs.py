"""A large export in Chromium with Redis: the list's 导出 Excel offers the job, its page shows 排队中 and a progress
bar, and when a worker has run it the page's script notices by itself and offers the file."""

import pytest
from playwright.sync_api import expect

from app.extensions import db
from tests import factories as f
from tests.browser.conftest import screenshot
from tests.browser.helpers import download, menu, sign_in
from tests.helpers import flushed_test_redis

pytestmark = pytest.mark.browser


@pytest.fixture
def queued_jobs(app):
    url = flushed_test_redis()
    before = app.config["EXPORT_JOB_ROWS"]
    app.config.update(REDIS_URL=url, EXPORT_JOB_ROWS=1)
    yield url
    app.config.update(REDIS_URL=None, EXPORT_JOB_ROWS=before)


def test_a_large_export_is_a_job_whose_page_follows_it(app, live_server, page, queued_jobs, tmp_path):
    from redis import Redis
    from rq import Queue, SimpleWorker

    with app.app_context():
        for _ in range(2):
            f.act(f.drafted("qiye", "energy_saving_tech"), "submit", "qiye")
        db.session.commit()
    sign_in(page, live_server, "changan")
    menu(page, "审核管理", "申报审核")
    page.get_by_role("link", name="导出 Excel").click()
    expect(page.get_by_text("超过 1 条")).to_be_visible()
    page.get_by_role("button", name="在后台生成").click()
    page.wait_for_url("**/jobs/*")
    expect(page.locator(".job-status")).to_have_text("排队中")
    expect(page.locator("progress.job-progress")).to_be_visible()
    screenshot(page, "30-export-job-queued")
    with app.app_context():
        queue = Queue(app.config["JOB_QUEUE"], connection=Redis.from_url(queued_jobs))
        SimpleWorker([queue], connection=queue.connection).work(burst=True)
    expect(page.locator(".job-status")).to_have_text("已完成", timeout=15_000)  # the script reloaded the page
    screenshot(page, "31-export-job-done")
    saved = download(page, "下载文件", tmp_path / "export.xlsx")
    assert saved.stat().st_size > 0
    menu(page, "审核管理", "我的导出")
    expect(page.locator("tr.job-row[data-status=done]").first).to_be_visible()
