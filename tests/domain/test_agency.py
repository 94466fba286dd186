"""Agency supervision through the domain alone (app/domain/agency.py): the legal representative's 居民身份证号码, the
yearly cap across the agencies of one representative, 不再采信 (both days included), spot checks and reports."""
import datetime
import threading
import time
import uuid

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.domain import DomainError, agency as agencies
from app.domain import lifecycle as lc
from app.domain.codes import make_credit_code, org_code_of
from app.domain.registration import Application, check_organization
from app.domain.scope import Audience
from app.extensions import db
from app.models import Attachment, Batch, Declaration, Evaluation, Organization, OrgType, SiteSetting
from app.vocabulary import DeclarationStatus as S
from tests import factories as f

NOW = f.NOW
TODAY = NOW.date()


def id_number(birth: str = "19800101", region: str = "130102") -> str:
    """A valid 居民身份证号码 of a person nobody else in the suite has."""
    first17 = region + birth + f"{uuid.uuid4().int % 1000:03d}"
    return first17 + agencies.id_check_char(first17)


def new_agency(name: str, number: str | None) -> Organization:
    body = f"{uuid.uuid4().int % 10**8:08d}"
    code = make_credit_code("91", "130104", body)
    agency = Organization(org_type=OrgType.AGENCY, name=f"{name}{uuid.uuid4().hex[:6]}", credit_code=code,
                          org_code=org_code_of(code), legal_representative="周正", legal_representative_id_number=number,
                          active=True)
    db.session.add(agency)
    db.session.flush()
    return agency


def project(batch: Batch, agency: Organization, *, evaluated: bool = False) -> Declaration:
    """A draft of 绿源 in `batch` that chose `agency`; with `evaluated`, also one evaluation round by it."""
    row = f.declaration(f.organization("石家庄绿源机械制造有限公司"), type_code="green_factory", submitted=False,
                        agency=agency)
    row.batch_id = batch.id
    db.session.flush()
    if evaluated:
        db.session.add(Evaluation(declaration_id=row.id, round=1, agency_id=agency.id, state="returned",
                                  requested_at=NOW))
        db.session.flush()
    return row


def choose(declaration: Declaration, agency: Organization, now: datetime.datetime = NOW):
    return lc.apply(db.session, declaration, "choose_agency", f.actor_of("qiye"), Audience.APPLICANT, now=now,
                    agency_id=str(agency.id))


@pytest.fixture
def batch(db_session):
    return f.new_batch(f"机构{uuid.uuid4().hex[:8]}", "green_factory")


# --- the legal representative's identity ---------------------------------------------------------------------------

def test_id_numbers_are_checked_by_gb_11643():
    assert agencies.id_check_char("11010519491231002") == "X"  # the standard's own example
    assert agencies.id_number_error("11010519491231002X") is None
    assert agencies.id_number_error(agencies.normalize_id_number(" 11010519491231002x ")) is None
    assert agencies.id_number_error("110105194912310021") == "居民身份证号码校验位错误，请核对"
    assert agencies.id_number_error("11010519491231002") == "居民身份证号码应为18位"
    assert agencies.id_number_error("1101051949123100AX") == "居民身份证号码前17位应为数字，最后一位为数字或 X"
    bad_day = "11010519490231002"
    assert agencies.id_number_error(bad_day + agencies.id_check_char(bad_day)) == "居民身份证号码第7-14位出生日期不正确"
    future = "110105" + str(TODAY.year + 1) + "0101002"
    assert agencies.id_number_error(future + agencies.id_check_char(future), TODAY) is not None
    assert agencies.masked("11010519491231002X") == "110105********002X"


def test_registering_an_agency_asks_for_the_number(db_session):
    application = Application(name="测试评价机构", legal_representative="周正", legal_representative_phone="13812345678")
    errors, _ = check_organization(application, OrgType.AGENCY, db_session, TODAY)
    assert errors["legal_representative_id_number"] == "请填写法定代表人居民身份证号码"
    application.legal_representative_id_number = "110105194912310021"
    errors, _ = check_organization(application, OrgType.AGENCY, db_session, TODAY)
    assert errors["legal_representative_id_number"] == "居民身份证号码校验位错误，请核对"
    application.legal_representative_id_number = "11010519491231002x"
    errors, _ = check_organization(application, OrgType.AGENCY, db_session, TODAY)
    assert "legal_representative_id_number" not in errors
    errors, _ = check_organization(application, OrgType.ENTERPRISE, db_session, TODAY)  # only agencies are asked
    assert "legal_representative_id_number" not in errors


# --- the cap --------------------------------------------------------------------------------------------------------

def test_the_cap_counts_every_agency_of_one_legal_representative(db_session, batch):
    number = id_number()
    first, second, other = new_agency("甲评价", number), new_agency("乙评价", number), new_agency("丙评价", id_number())
    held = [project(batch, first) for _ in range(9)] + [project(batch, second, evaluated=True) for _ in range(6)]
    assert agencies.project_count(db_session, [first, second], NOW.year) == 15
    assert agencies.usage(db_session, NOW.year)[first.id] == agencies.usage(db_session, NOW.year)[second.id] == 15

    draft = f.drafted("qiye", "green_factory", batch)
    with pytest.raises(DomainError) as refused:
        choose(draft, second)
    assert refused.value.message == (f"该机构法定代表人名下机构{NOW.year}年度已承担 15 个国家级评价项目，"
                                     "已达上限 15 个，请另选机构")
    assert draft.agency_id is None
    with pytest.raises(DomainError, match="已承担 15 个"):
        choose(draft, first)
    choose(draft, other)  # another legal representative
    assert draft.agency_id == other.id

    # choosing again the agency a declaration holds its place with is no new project
    choose(held[0], first)
    # a draft that changes its agency before any evaluation was requested from it gives the place back …
    choose(held[1], other)
    assert agencies.project_count(db_session, [first, second], NOW.year) == 14
    choose(draft, second)
    assert draft.agency_id == second.id
    # … but an agency that evaluated a declaration keeps it counted whatever the applicant chooses next
    choose(held[-1], other)
    assert agencies.project_count(db_session, [first, second], NOW.year) == 15


def test_only_national_projects_of_the_batch_year_count(db_session, batch):
    agency = new_agency("丁评价", id_number())
    for _ in range(15):
        project(batch, agency)
    last_year = Batch(name=f"上年{uuid.uuid4().hex[:6]}", year=NOW.year - 1, tier="national", owner_id=batch.owner_id)
    provincial = Batch(name=f"省级{uuid.uuid4().hex[:6]}", year=NOW.year, tier="provincial",
                       owner_id=f.authority("province", "130000").id)
    db_session.add_all([last_year, provincial])
    db_session.flush()
    assert agencies.project_count(db_session, [agency], NOW.year - 1) == 0
    for other_batch in (last_year, provincial):
        row = project(other_batch, new_agency("戊评价", None))
        choose(row, agency)
        assert row.agency_id == agency.id


def test_the_cap_is_a_site_setting_and_the_refusal_names_it(db_session, batch):
    agency = new_agency("己评价", id_number())
    project(batch, agency)
    project(batch, agency)
    setting = db_session.get(SiteSetting, agencies.CAP_SETTING)
    assert setting is not None and setting.value == "15"
    setting.value = "2"
    db_session.flush()
    try:
        with pytest.raises(DomainError, match="已承担 2 个国家级评价项目，已达上限 2 个"):
            choose(f.drafted("qiye", "green_factory", batch), agency)
        choices = {c.id: c for c in agencies.choices(db_session, f.drafted("qiye", "green_factory", batch), TODAY)}
        assert choices[agency.id].remaining == 0
    finally:
        setting.value = "15"
        db_session.flush()
    assert agencies.cap_setting_error("0") and agencies.cap_setting_error("abc") and not agencies.cap_setting_error("20")


def test_the_choice_list_shows_what_is_left(db_session, batch):
    number = id_number()
    first, second = new_agency("庚评价", number), new_agency("辛评价", number)
    for _ in range(4):
        project(batch, first)
    holder = project(batch, second)
    listed = {c.id: c for c in agencies.choices(db_session, f.drafted("qiye", "green_factory", batch), TODAY)}
    assert listed[first.id].remaining == listed[second.id].remaining == 10
    own = {c.id: c for c in agencies.choices(db_session, holder, TODAY)}
    assert own[first.id].remaining == 11  # the place the declaration holds is its own to move


# --- 不再采信 -------------------------------------------------------------------------------------------------------

def test_not_accepted_from_the_first_to_the_last_day_included(db_session, batch):
    agency = new_agency("壬评价", id_number())
    starts, ends = TODAY + datetime.timedelta(days=2), TODAY + datetime.timedelta(days=12)
    suspension = agencies.suspend(db_session, f.actor_of("gongxinbu"), agency, NOW, starts=starts.isoformat(),
                                  ends=ends.isoformat(), reason="评价报告弄虚作假")
    draft = f.drafted("qiye", "green_factory", batch)
    for day, refused in ((starts - datetime.timedelta(days=1), False), (starts, True), (ends, True),
                         (ends + datetime.timedelta(days=1), False)):
        found = agencies.choice_refusal(db_session, agency, draft, day)
        assert (found is not None) is refused, day
        if refused:
            assert found.message == (f"该机构处于不再采信期（{starts.isoformat()} 至 {ends.isoformat()}），不能选择。"
                                     "原因：评价报告弄虚作假")
    at = datetime.datetime.combine(starts, NOW.time())
    with pytest.raises(DomainError, match="不再采信期"):
        choose(draft, agency, at)
    # chosen before: 提交三方评价 is refused during the period, and reviewers are told of it
    choose(draft, agency)
    assert not any(t.name == "request_evaluation" for t in lc.allowed(
        db_session, draft, f.actor_of("qiye"), Audience.APPLICANT, at))
    assert agencies.flag_of(db_session, draft, starts) == suspension
    assert agencies.flag_of(db_session, draft, TODAY) is None

    # ended early: no longer in force from the day it was ended
    lifted_at = datetime.datetime.combine(starts + datetime.timedelta(days=3), NOW.time())
    agencies.lift(db_session, f.actor_of("gongxinbu"), suspension, lifted_at, "整改到位")
    assert agencies.choice_refusal(db_session, agency, draft, lifted_at.date() - datetime.timedelta(days=1))
    assert agencies.choice_refusal(db_session, agency, draft, lifted_at.date()) is None
    actions = [e.action for e in agencies.events(db_session, agency.id)]
    assert actions == ["lifted", "suspended"]
    assert all(e.actor_name == "gongxinbu" for e in agencies.events(db_session, agency.id))
    from app.models import Message  # the agency is told of both in its message centre
    told = db_session.scalars(select(Message).where(Message.organization_id == agency.id).order_by(Message.id)).all()
    assert [m.subject.split("：")[0] for m in told] == ["不再采信通知", "不再采信已提前解除"]
    assert "评价报告弄虚作假" in told[0].body and told[0].link == agencies.OWN_PAGE


def test_only_the_ministry_sets_not_accepted_and_each_mistake_is_named(db_session):
    agency = new_agency("癸评价", id_number())
    with pytest.raises(DomainError, match="只有工业和信息化部"):
        agencies.suspend(db_session, f.actor_of("hebeisheng"), agency, NOW, starts="2026-01-01", ends="2026-02-01",
                         reason="x")
    with pytest.raises(DomainError) as refused:
        agencies.suspend(db_session, f.actor_of("gongxinbu"), agency, NOW, starts="2026-13-01",
                         ends="", reason="")
    assert set(refused.value.errors) == {"starts", "ends", "reason"}
    with pytest.raises(DomainError) as refused:
        agencies.suspend(db_session, f.actor_of("gongxinbu"), agency, NOW, starts="2026-03-01", ends="2026-02-01",
                         reason="原因")
    assert refused.value.errors == {"ends": "结束日期不能早于开始日期"}
    past = TODAY - datetime.timedelta(days=400)
    with pytest.raises(DomainError) as refused:  # over already: nothing to stop accepting, nobody to tell
        agencies.suspend(db_session, f.actor_of("gongxinbu"), agency, NOW, starts=past.isoformat(),
                         ends=(TODAY - datetime.timedelta(days=1)).isoformat(), reason="原因")
    assert refused.value.errors == {"ends": "结束日期不能早于今天：已经过去的期间无需设置不再采信"}


# --- spot checks and reports ------------------------------------------------------------------------------------------

def test_spot_checks_stay_with_who_made_them(db_session):
    sanfang = f.organization("河北绿标认证评价有限公司")
    declaration = f.declaration(f.organization("石家庄绿源机械制造有限公司"), agency=sanfang,
                                chain=(None, None, f.authority("province", "130000")))
    province = f.actor_of("hebeisheng")
    assert agencies.supervised(db_session, province, sanfang.id) is not None
    with pytest.raises(DomainError) as refused:
        agencies.record_spot_check(db_session, province, sanfang, NOW, checked_on=(TODAY + datetime.timedelta(days=1))
                                   .isoformat(), declaration_ids=["999999999"], finding="优秀", opinion="")
    assert set(refused.value.errors) == {"checked_on", "declarations", "finding", "opinion"}
    with pytest.raises(DomainError) as refused:  # no declaration named: a check of the agency's records in general
        agencies.record_spot_check(db_session, province, sanfang, NOW, checked_on=TODAY.isoformat(),
                                   declaration_ids=[], finding="", opinion="档案抽查")
    assert set(refused.value.errors) == {"finding"}
    general = agencies.record_spot_check(db_session, province, sanfang, NOW, checked_on=TODAY.isoformat(),
                                         declaration_ids=[], finding="基本合格", opinion="评价档案不全")
    assert general.declaration_ids == []
    check = agencies.record_spot_check(db_session, province, sanfang, NOW, checked_on=TODAY.isoformat(),
                                       declaration_ids=[str(declaration.id)], finding="不合格", opinion="评分依据不足")
    assert check in agencies.spot_checks(db_session, province, sanfang.id)
    assert check in agencies.spot_checks(db_session, f.actor_of("gongxinbu"), sanfang.id)
    assert check in agencies.spot_checks(db_session, f.actor_of("sanfang"), sanfang.id)
    assert check not in agencies.spot_checks(db_session, f.actor_of("shijiazhuang"), sanfang.id)
    assert agencies.supervised(db_session, f.actor_of("shijiazhuang"), sanfang.id) is None  # cities do not supervise


def test_the_annual_report_is_filed_once_a_year_and_replaced(db_session):
    actor = f.actor_of("sanfang")
    pdf = Attachment(purpose="agency_report", storage_key=f"test/{uuid.uuid4().hex}.pdf", original_name="报告.pdf",
                     content_type="application/pdf", size=10, sha256="0" * 64)
    db_session.add(pdf)
    db_session.flush()
    with pytest.raises(DomainError) as refused:
        agencies.file_report(db_session, actor, NOW, year=str(NOW.year - 5), projects="-1", evaluators="x",
                             summary="", attachment=None)
    assert set(refused.value.errors) == {"year", "projects", "evaluators", "summary", "attachment"}
    with pytest.raises(DomainError, match="只有第三方评价机构"):
        agencies.file_report(db_session, f.actor_of("qiye"), NOW, year=str(NOW.year), projects="1", evaluators="1",
                             summary="x", attachment=pdf)
    report = agencies.file_report(db_session, actor, NOW, year=str(NOW.year), projects="12", evaluators="8",
                                  summary="全年完成评价 12 项", attachment=pdf)
    again = agencies.file_report(db_session, actor, NOW, year=str(NOW.year), projects="13", evaluators="8",
                                 summary="补充", attachment=None)  # the file already filed stays
    assert again.id == report.id and again.projects == 13 and again.attachment_id == pdf.id
    actions = [e.action for e in agencies.events(db_session, report.agency_id)][:2]
    assert actions == ["report_refiled", "report_filed"]


# --- two choices at once ----------------------------------------------------------------------------------------------

def test_two_concurrent_choices_cannot_both_take_the_last_place(app):
    """PostgreSQL: the first choice locks the representative's agency rows; the second waits, then counts the
    first. (SQLite lets one writer at a time: the second cannot write until the first ends.)"""
    if app.config.get("BACKEND") != "postgresql":
        pytest.skip("row locks are PostgreSQL's; SQLite serialises writers itself")
    with app.app_context():
        batch = f.new_batch(f"并发{uuid.uuid4().hex[:8]}", "green_factory")
        number = id_number()
        first, second = new_agency("并发甲", number), new_agency("并发乙", number)
        for _ in range(14):
            project(batch, first)
        drafts = [f.drafted("qiye", "green_factory", batch).id for _ in range(2)]
        ids = (first.id, second.id)
        db.session.commit()
    outcomes = {}

    def choose_in(session, declaration_id, agency_id, key):
        try:
            lc.apply(session, session.get(Declaration, declaration_id), "choose_agency", f_actor(session),
                     Audience.APPLICANT, now=NOW, agency_id=str(agency_id))
            outcomes[key] = None
        except DomainError as refused:
            outcomes[key] = refused.message

    def f_actor(session):
        from app.domain.scope import Actor
        from app.models import PlatformUser

        return Actor.of(session.execute(select(PlatformUser).where(PlatformUser.username == "qiye")).scalar_one())

    with app.app_context(), Session(db.engine) as one, Session(db.engine) as two:
        choose_in(one, drafts[0], ids[0], "one")  # holds the lock, not committed yet
        worker = threading.Thread(target=lambda: (choose_in(two, drafts[1], ids[1], "two"), two.commit()))
        worker.start()
        time.sleep(1)
        assert worker.is_alive(), "the second choice waits for the first"
        one.commit()
        worker.join(10)
    assert outcomes["one"] is None
    assert "已承担 15 个国家级评价项目，已达上限 15 个" in outcomes["two"]


def test_an_agency_with_national_projects_this_year_does_not_change_its_representative_itself(db_session, batch):
    agency = new_agency("子评价", id_number())
    other = id_number(birth="19790202")
    assert agencies.representative_change_refusal(db_session, agency, other, TODAY) is None  # nothing counted yet
    choose(f.drafted("qiye", "green_factory", batch), agency)
    refused = agencies.representative_change_refusal(db_session, agency, other, TODAY)
    assert refused == f"本机构{TODAY.year}年度已承担 1 个国家级评价项目，法定代表人身份证号码的变更请联系系统管理员办理"
    assert agencies.representative_change_refusal(db_session, agency, agency.legal_representative_id_number.lower(),
                                                  TODAY) is None  # the same number, as typed: no change
