"""An IT administrator opens a new batch in the console; an enterprise then finds 新增填报 enabled."""
import datetime

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from app import clock
from app.extensions import db
from app.models import BatchWindow, DeclarationType
from tests.browser.conftest import screenshot
from tests.browser.helpers import sign_in

pytestmark = pytest.mark.browser


def test_admin_opens_a_batch_and_the_enterprise_can_declare(app, live_server, page):
    today = clock.today()
    with app.app_context():  # every window of 工业节能技术目录 closed: nothing can be declared
        energy = db.session.execute(select(DeclarationType).where(DeclarationType.code == "energy_saving_tech")).scalar_one()
        closed = {}
        for window in db.session.scalars(select(BatchWindow).where(BatchWindow.declaration_type_id == energy.id)):
            closed[window.id] = (window.opens_on, window.closes_on)
            window.opens_on, window.closes_on = today - datetime.timedelta(days=60), today - datetime.timedelta(days=1)
        db.session.commit()
    try:
        sign_in(page, live_server, "qiye")
        page.goto(f"{live_server}/declarations/energy_saving_tech/list/")
        expect(page.get_by_text("当前没有开放的申报批次")).to_be_visible()

        sign_in(page, live_server, "admin")
        page.goto(f"{live_server}/console/batches/new/")
        page.fill("#year", str(today.year))
        page.fill("#name", "第十一批（节能技术）")
        page.fill("#notice_no", "工信厅节函〔2026〕999号")
        page.click("#windows-button")
        page.select_option("#windows-0-declaration_type", label="工业节能技术目录", force=True)  # under select2
        for field, day in (("opens_on", today), ("closes_on", today + datetime.timedelta(days=30))):
            page.eval_on_selector(f"#windows-0-{field}", "(e, v) => { e.value = v; }", day.isoformat())
        screenshot(page, "20-console-new-batch")
        page.locator("input[type=submit]").first.click()
        expect(page.get_by_text("第十一批（节能技术）")).to_be_visible()
        screenshot(page, "21-console-batches")

        sign_in(page, live_server, "qiye")
        page.goto(f"{live_server}/declarations/energy_saving_tech/list/")
        expect(page.get_by_role("button", name="新增填报")).to_be_visible()
        expect(page.get_by_text("第十一批（节能技术）")).to_be_visible()
        screenshot(page, "22-enterprise-sees-new-batch")
    finally:
        with app.app_context():
            for window_id, (opens, closes) in closed.items():
                window = db.session.get(BatchWindow, window_id)
                window.opens_on, window.closes_on = opens, closes
            db.session.commit()
