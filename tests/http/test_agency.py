"""第三方机构监管 through the test client, as the ministry, a province, another province, a city and the agency:
who sees which agency and spot check, 不再采信 refusing the choice and flagged to reviewers, the annual report, and
the legal representative's number in the profile (masked to everyone else)."""
import dataclasses
import datetime
import io
import re
import uuid

import pytest
from sqlalchemy import func, select

from app import clock
from app.domain import agency as agencies
from app.extensions import db
from app.models import AgencyReport, AgencySpotCheck, AgencySuspension, Organization, OrgType, PlatformUser
from app.security import roles
from tests import factories as f
from tests.conftest import DEMO_PASSWORD, TODAY
from tests.helpers import post_form

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
SANFANG = "河北绿标认证评价有限公司"
NUMBER = "130104197508123020"  # seeds/demo.json


@pytest.fixture(scope="module")
def world(app, declarations):
    """河北绿标 evaluated d1 (河北's chain); 粤评 evaluates a declaration of 广东's chain, supervised by `yuesheng`."""
    with app.app_context():
        code = f.make_organization(f"粤评{uuid.uuid4().hex[:4]}", "440304", "MA5F0K2M").credit_code
        yueping = db.session.scalar(select(Organization).where(Organization.credit_code == code))
        yueping.org_type, yueping.name = OrgType.AGENCY, "广东粤评检测认证有限公司"
        yueping.legal_representative, yueping.legal_representative_id_number = "林峰", "11010519491231002X"
        guangdong = f.authority("province", "440300")
        shenzhen = f.make_organization("深圳市绿色测试有限公司", "440304", "MA5F0K3N")
        d5 = f.declaration(shenzhen, agency=yueping, chain=(f.authority("county", "440304"), None, guangdong))
        sm = app.appbuilder.sm
        user = sm.add_user(username="yuesheng", first_name="广东省审核", last_name="", email="yuesheng@example.com",
                           role=sm.find_role(roles.REVIEWER), password=DEMO_PASSWORD)
        user = db.session.get(PlatformUser, user.id)
        user.authority_id = guangdong.id
        db.session.commit()
        return {"sanfang": f.organization(SANFANG).id, "yueping": yueping.id, "d5": d5.id, **declarations}


def test_menus_and_who_may_open_the_pages(client_as, world):
    for username in ("gongxinbu", "hebeisheng"):
        page = client_as(username).get("/agency-supervision/")
        assert page.status_code == 200 and "第三方机构监管" in page.get_data(as_text=True)
        assert "/agency-supervision/" in client_as(username).get("/review/declarations/list/").get_data(as_text=True)
    city = client_as("shijiazhuang")
    assert city.get("/agency-supervision/").status_code == 403
    assert "/agency-supervision/" not in city.get("/review/declarations/list/").get_data(as_text=True)
    for username in ("qiye", "sanfang", "admin"):
        assert client_as(username).get("/agency-supervision/").status_code in (302, 403)
    own = client_as("sanfang").get("/agency/supervision/")
    assert own.status_code == 200 and "机构监管信息" in own.get_data(as_text=True)
    assert client_as("qiye").get("/agency/supervision/").status_code in (302, 403)


def test_each_supervisor_sees_the_agencies_of_its_scope_with_the_number_masked(client_as, world):
    ministry = client_as("gongxinbu").get("/agency-supervision/").get_data(as_text=True)
    assert SANFANG in ministry and "广东粤评检测认证有限公司" in ministry
    assert agencies.masked(NUMBER) in ministry and NUMBER not in ministry
    hebei = client_as("hebeisheng")
    page = hebei.get("/agency-supervision/").get_data(as_text=True)
    assert SANFANG in page and "广东粤评检测认证有限公司" not in page
    assert hebei.get(f"/agency-supervision/agency/{world['yueping']}").status_code == 404
    assert hebei.get(f"/agency-supervision/agency/{world['sanfang']}").status_code == 200
    guangdong = client_as("yuesheng")
    assert SANFANG not in guangdong.get("/agency-supervision/").get_data(as_text=True)
    assert guangdong.get(f"/agency-supervision/agency/{world['sanfang']}").status_code == 404
    assert guangdong.get(f"/agency-supervision/agency/{world['yueping']}").status_code == 200


def test_a_province_records_a_spot_check_that_another_province_never_sees(app, client_as, world):
    hebei = client_as("hebeisheng")
    url = f"/agency-supervision/spot-check/{world['sanfang']}"
    refused = post_form(hebei, url, checked_on=TODAY.isoformat(), finding="不合格", opinion="评分依据不足，需整改",
                        declarations=[str(world["d4"])])  # 深圳's: not in 河北's scope
    assert refused.status_code == 200 and "所选申报不在本部门范围内" in refused.get_data(as_text=True)
    assert "评分依据不足，需整改" in refused.get_data(as_text=True)  # what was typed is kept
    saved = post_form(hebei, url, checked_on=TODAY.isoformat(), finding="不合格", opinion="评分依据不足，需整改",
                      declarations=[str(world["d1"])], attachment=(io.BytesIO(PDF), "抽查意见书.pdf"))
    assert saved.status_code == 302
    with app.app_context():
        check = db.session.scalars(select(AgencySpotCheck).where(
            AgencySpotCheck.agency_id == world["sanfang"]).order_by(AgencySpotCheck.id.desc())).first()
        assert check.declaration_ids == [world["d1"]] and check.attachment_id is not None
        attachment_id = check.attachment_id
    guangdong = client_as("yuesheng")
    assert post_form(guangdong, f"/agency-supervision/spot-check/{world['yueping']}", checked_on=TODAY.isoformat(),
                     finding="合格", opinion="粤省抽查意见", declarations=[str(world["d5"])]).status_code == 302

    for username, sees_hebei, sees_guangdong in (("hebeisheng", True, False), ("gongxinbu", True, True),
                                                 ("yuesheng", False, True)):
        client = client_as(username)
        text = "".join(client.get(f"/agency-supervision/agency/{world[a]}").get_data(as_text=True)
                       for a in ("sanfang", "yueping"))
        assert ("评分依据不足，需整改" in text) is sees_hebei, username
        assert ("粤省抽查意见" in text) is sees_guangdong, username
    assert guangdong.get(f"/agency-supervision/download/{attachment_id}").status_code == 404
    assert hebei.get(f"/agency-supervision/download/{attachment_id}").data.startswith(b"%PDF")
    agency = client_as("sanfang")
    own = agency.get("/agency/supervision/").get_data(as_text=True)
    assert "评分依据不足，需整改" in own and "粤省抽查意见" not in own
    # the declaration looked at is named, to the agency as to its supervisors: unit, type and batch, never an id
    named = "石家庄绿源机械制造有限公司（绿色工厂，"
    assert named in own and named in hebei.get(f"/agency-supervision/agency/{world['sanfang']}").get_data(as_text=True)
    assert agency.get(f"/agency/supervision/download/{attachment_id}").data.startswith(b"%PDF")
    assert client_as("sanfang").get(f"/agency/supervision/download/{world['d1_report']}").status_code == 404


def test_an_agency_with_nothing_evaluated_in_scope_is_spot_checked_on_its_records(app, client_as, world):
    with app.app_context():
        code = f.make_organization(f"冀评{uuid.uuid4().hex[:4]}", "130104", "MA5F0K4P").credit_code
        fresh = db.session.scalar(select(Organization).where(Organization.credit_code == code))
        fresh.org_type = OrgType.AGENCY
        db.session.commit()
        fresh_id = fresh.id
    ministry = client_as("gongxinbu")
    page = ministry.get(f"/agency-supervision/agency/{fresh_id}").get_data(as_text=True)
    assert "可不选申报，记录对该机构档案与工作记录的抽查" in page and "spot-check-form" in page
    saved = post_form(ministry, f"/agency-supervision/spot-check/{fresh_id}", checked_on=TODAY.isoformat(),
                      finding="基本合格", opinion="评价档案归档不全")
    assert saved.status_code == 302
    shown = ministry.get(f"/agency-supervision/agency/{fresh_id}").get_data(as_text=True)
    assert "评价档案归档不全" in shown and "机构档案与工作记录（未涉及具体申报）" in shown


def test_only_the_ministry_sets_not_accepted_and_the_choice_then_refuses_it(app, client_as, world):
    starts, ends = TODAY.isoformat(), (TODAY + datetime.timedelta(days=30)).isoformat()
    url = f"/agency-supervision/suspend/{world['sanfang']}"
    with app.app_context():
        before = db.session.scalar(select(func.count()).select_from(AgencySuspension))
    post_form(client_as("hebeisheng"), url, starts=starts, ends=ends, reason="省里不能设")
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(AgencySuspension)) == before
    ministry = client_as("gongxinbu")
    bad = post_form(ministry, url, starts=ends, ends=starts, reason="出具虚假评价报告")
    assert "结束日期不能早于开始日期" in bad.get_data(as_text=True) and "出具虚假评价报告" in bad.get_data(as_text=True)
    assert post_form(ministry, url, starts=starts, ends=ends, reason="出具虚假评价报告").status_code == 302
    try:
        page = ministry.get(f"/agency-supervision/agency/{world['sanfang']}").get_data(as_text=True)
        assert "不再采信期内" in page and "设置不再采信" in page and "gongxinbu" in page
        # reviewers: d1 chose it and is not decided
        hebei = client_as("hebeisheng")
        show = hebei.get(f"/review/declarations/show/{world['d1']}").get_data(as_text=True)
        assert "所选第三方评价机构处于不再采信期" in show and "出具虚假评价报告" in show
        assert "agency-flags" in hebei.get("/review/declarations/list/?tab=all").get_data(as_text=True)
        # the applicant's choice list flags it and the choice is refused with the reason and the end date
        with app.app_context():
            draft = f.drafted("qiye", "green_factory", f.new_batch(f"不再采信{uuid.uuid4().hex[:6]}", "green_factory"))
            db.session.commit()
            draft_id = draft.id
        applicant = client_as("qiye")
        show = applicant.get(f"/declarations/green_factory/show/{draft_id}").get_data(as_text=True)
        assert f"不再采信期内，至 {ends}" in show
        chosen = post_form(applicant, f"/declarations/green_factory/do/{draft_id}/choose_agency",
                           agency_id=str(world["sanfang"]))
        assert chosen.status_code == 302
        message = applicant.get(chosen.headers["Location"]).get_data(as_text=True)
        assert f"该机构处于不再采信期（{starts} 至 {ends}），不能选择。原因：出具虚假评价报告" in message
    finally:
        with app.app_context():
            suspension = db.session.scalars(select(AgencySuspension).where(
                AgencySuspension.agency_id == world["sanfang"]).order_by(AgencySuspension.id.desc())).first()
            suspension_id = suspension.id
        lifted = post_form(client_as("gongxinbu"), f"/agency-supervision/lift/{suspension_id}", reason="测试结束")
        assert lifted.status_code == 302
    assert "所选第三方评价机构处于不再采信期" not in client_as("hebeisheng").get(
        f"/review/declarations/show/{world['d1']}").get_data(as_text=True)


def test_the_agency_files_its_annual_report_and_supervisors_see_who_filed(app, client_as, world):
    agency = client_as("sanfang")
    refused = post_form(agency, "/agency/supervision/report", year=str(TODAY.year), projects="十二", evaluators="8",
                        summary="全年评价工作总结")
    assert "请填写 0 到 999999 之间的整数" in refused.get_data(as_text=True)
    assert "全年评价工作总结" in refused.get_data(as_text=True)
    wrong_file = post_form(agency, "/agency/supervision/report", year=str(TODAY.year), projects="12", evaluators="8",
                           summary="全年评价工作总结", attachment=(io.BytesIO(b"MZ not a pdf"), "report.pdf"))
    assert wrong_file.status_code == 200 and "请上传" not in wrong_file.get_data(as_text=True)
    filed = post_form(agency, "/agency/supervision/report", year=str(TODAY.year), projects="12", evaluators="8",
                      summary="全年评价工作总结", attachment=(io.BytesIO(PDF), "2026年度工作报告.pdf"))
    assert filed.status_code == 302
    with app.app_context():
        report = db.session.scalar(select(AgencyReport).where(AgencyReport.agency_id == world["sanfang"],
                                                              AgencyReport.year == TODAY.year))
        attachment_id = report.attachment_id
    for username, filed_shown in (("gongxinbu", True), ("hebeisheng", True)):
        page = client_as(username).get(f"/agency-supervision/?year={TODAY.year}").get_data(as_text=True)
        row = page[page.index(SANFANG):]
        assert "已提交" in row[:row.index("</tr>")]
    assert client_as("hebeisheng").get(f"/agency-supervision/download/{attachment_id}").data.startswith(b"%PDF")
    assert client_as("yuesheng").get(f"/agency-supervision/download/{attachment_id}").status_code == 404
    page = client_as("gongxinbu").get(f"/agency-supervision/?year={TODAY.year - 3}").get_data(as_text=True)
    row = page[page.index(SANFANG):]
    assert "未提交" in row[:row.index("</tr>")]


def test_the_legal_representative_is_checked_in_the_profile_and_kept_for_a_counted_cap(app, client_as, world):
    from app.views.profile import application_of

    agency = client_as("sanfang")
    page = agency.get("/profile/organization/").get_data(as_text=True)
    assert 'name="legal_representative_id_number"' in page and NUMBER in page
    with app.app_context():
        form = dataclasses.asdict(application_of(db.session.get(Organization, world["sanfang"])))
    form = {k: v for k, v in form.items() if v not in (False, None)}
    form["registered_capital"] = form.get("registered_capital") or "5000000"  # the demo agency has none yet
    bad = post_form(agency, "/profile/organization/",
                    **{**form, "legal_representative_id_number": "130104197508123021"})
    assert "居民身份证号码校验位错误" in bad.get_data(as_text=True)
    # with national projects this year, the agency itself does not move them to another representative's cap
    with app.app_context():
        counted = agencies.project_count(db.session, [db.session.get(Organization, world["sanfang"])],
                                         clock.today().year)
    assert counted > 0
    refused = post_form(agency, "/profile/organization/",
                        **{**form, "legal_representative_id_number": "11010519491231002x"})
    text = refused.get_data(as_text=True)
    assert refused.status_code == 200 and f"已承担 {counted} 个国家级评价项目" in text and "联系系统管理员" in text
    assert "11010519491231002x" in text  # what was typed stays in the form
    with app.app_context():
        assert db.session.get(Organization, world["sanfang"]).legal_representative_id_number == NUMBER


def test_it_staff_edit_the_legal_representative_in_the_console(app, client_as, world):
    admin = client_as("admin")
    url = f"/console/agencies/edit/?id={world['yueping']}"
    page = admin.get(url)
    assert page.status_code == 200 and "法定代表人居民身份证号码" in page.get_data(as_text=True)
    bad = post_form(admin, url, legal_representative="林峰", legal_representative_id_number="123", active="y")
    assert "居民身份证号码应为18位" in bad.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Organization, world["yueping"]).legal_representative_id_number == "11010519491231002X"
    first17 = "44030419850707123"
    number = first17 + agencies.id_check_char(first17)
    saved = post_form(admin, url, legal_representative="林峰", legal_representative_id_number=number, active="y")
    assert saved.status_code == 302
    with app.app_context():
        assert db.session.get(Organization, world["yueping"]).legal_representative_id_number == number
        history = agencies.events(db.session, world["yueping"])
        assert history[0].action == "representative" and history[0].actor_name == "admin"
        assert agencies.masked(number) in history[0].detail and number not in history[0].detail


def test_an_agency_registers_with_its_legal_representatives_number(app):
    from tests.http.test_accounts import field_error, png, register

    client = app.test_client()
    page = client.get("/register/agency/").get_data(as_text=True)
    assert 'name="legal_representative_id_number"' in page
    assert 'name="legal_representative_id_number"' not in client.get("/register/enterprise/").get_data(as_text=True)
    _, refused = register(client, "agency", licence=png(), subsystems=[], declaration_types=[], supervision="0",
                          legal_representative_id_number="130104197508123021")
    assert field_error(refused.get_data(as_text=True), "legal_representative_id_number") == "居民身份证号码校验位错误，请核对"
    form, response = register(app.test_client(), "agency", licence=png(), subsystems=[], declaration_types=[],
                              supervision="0", legal_representative_id_number="130104197508123020")
    assert response.status_code == 302, field_error(response.get_data(as_text=True), r"\w+")
    with app.app_context():
        user = db.session.execute(select(PlatformUser).where(PlatformUser.username == form["username"])).scalar_one()
        organization = user.active_organization
        assert organization.legal_representative_id_number == NUMBER
        # one legal representative with 河北绿标: counted together
        assert {a.name for a in agencies.same_representative(db.session, organization)} >= {SANFANG, organization.name}
