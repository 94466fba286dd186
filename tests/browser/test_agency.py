"""第三方机构监管 in Chromium: the ministry stops accepting an agency's reports from its menu; the applicant's
choice of that agency is refused with the reason and the end date, and the choice of an agency whose legal
representative has reached the yearly cap is refused with the count."""
import datetime
import re
import uuid

import pytest
from playwright.sync_api import expect

from app.domain import agency as agencies
from app.extensions import db
from app.models import Organization, OrgType
from app.domain.codes import make_credit_code, org_code_of
from tests import factories as f
from tests.browser.conftest import screenshot
from tests.browser.helpers import menu, sign_in
from tests.conftest import TODAY

pytestmark = pytest.mark.browser
SANFANG = "河北绿标认证评价有限公司"


def full_agency(batch) -> str:
    """An agency whose legal representative holds 15 national projects this year (its other agency 9, itself 6)."""
    first17 = "13010219700101" + f"{uuid.uuid4().int % 1000:03d}"
    number = first17 + agencies.id_check_char(first17)
    names = []
    for name, count in (("冀北评价咨询有限公司", 9), ("冀南绿色评价中心有限公司", 6)):
        code = make_credit_code("91", "130104", f"{uuid.uuid4().int % 10**8:08d}")
        agency = Organization(org_type=OrgType.AGENCY, name=name, credit_code=code, org_code=org_code_of(code),
                              legal_representative="钱伟", legal_representative_id_number=number, active=True)
        db.session.add(agency)
        db.session.flush()
        for _ in range(count):
            row = f.declaration(f.organization("石家庄绿源机械制造有限公司"), type_code="green_factory",
                                submitted=False, agency=agency)
            row.batch_id = batch.id
        names.append(name)
    db.session.flush()
    return names[-1]


def test_not_accepted_and_the_cap_refuse_the_applicants_choice(app, live_server, page):
    ends = (TODAY + datetime.timedelta(days=90)).isoformat()
    with app.app_context():
        batch = f.new_batch(f"机构监管{uuid.uuid4().hex[:6]}", "green_factory")
        draft = f.drafted("qiye", "green_factory", batch)
        full = full_agency(batch)
        db.session.commit()
        pk = draft.id

    sign_in(page, live_server, "gongxinbu")
    menu(page, "审核管理", "第三方机构监管")
    page.wait_for_url("**/agency-supervision/**")
    page.locator("tr.agency-row", has_text=SANFANG).get_by_role("link", name="查看").click()
    page.fill("input[name=starts]", TODAY.isoformat())
    page.fill("input[name=ends]", ends)
    page.fill("textarea[name=reason]", "抽查发现出具虚假评价报告")
    page.get_by_role("button", name="设置不再采信").last.click()
    expect(page.get_by_text(f"已设置不再采信：{TODAY.isoformat()} 至 {ends}")).to_be_visible()
    expect(page.locator("td.suspension-state")).to_contain_text("不再采信期内")
    screenshot(page, "40-ministry-sets-not-accepted")

    sign_in(page, live_server, "qiye")
    menu(page, "绿色制造体系", "绿色工厂")
    page.click(f"a[href$='/declarations/green_factory/show/{pk}']")
    option = page.locator("select[name=agency_id] option", has_text=SANFANG)
    expect(option).to_have_text(re.compile(f"不再采信期内，至 {ends}"))
    page.select_option("select[name=agency_id]", option.get_attribute("value"))
    page.get_by_role("button", name="选择第三方评价机构").click()
    expect(page.get_by_role("alert").filter(has_text="不能选择")).to_contain_text(
        f"该机构处于不再采信期（{TODAY.isoformat()} 至 {ends}），不能选择。原因：抽查发现出具虚假评价报告")
    screenshot(page, "41-applicant-choice-refused-not-accepted")

    capped = page.locator("select[name=agency_id] option", has_text=full)
    expect(capped).to_have_text(re.compile("本年度剩余 0 个"))
    page.select_option("select[name=agency_id]", capped.get_attribute("value"))
    page.get_by_role("button", name="选择第三方评价机构").click()
    expect(page.get_by_role("alert").filter(has_text="已达上限")).to_contain_text(
        f"该机构法定代表人名下机构{TODAY.year}年度已承担 15 个国家级评价项目，已达上限 15 个，请另选机构")
    screenshot(page, "42-applicant-choice-refused-cap")
