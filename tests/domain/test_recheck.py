"""复核 and 撤销 of listed units through the domain alone: the table, each refusal, the history, the version."""
import datetime
import uuid

import pytest
from sqlalchemy import select

from app.domain import DomainError, ErrorKind
from app.domain import recheck as rc
from app.extensions import db
from app.models import ListedUnit, ListingRecheck
from app.vocabulary import ListingStatus as L
from tests import factories as f

NOW = f.NOW
LATER = NOW + datetime.timedelta(days=3)


def hebei_unit() -> ListedUnit:
    org = f.make_organization(f"长安区复核测试{uuid.uuid4().hex[:6]}有限公司", "130102", uuid.uuid4().hex[:8].upper())
    return f.listed_unit(org, (f.authority("county", "130102"), f.authority("city", "130100"),
                               f.authority("province", "130000")))


def shenzhen_unit() -> ListedUnit:
    org = f.make_organization(f"深圳复核测试{uuid.uuid4().hex[:6]}有限公司", "440304", uuid.uuid4().hex[:8].upper())
    return f.listed_unit(org, (f.authority("county", "440304"), None, f.authority("province", "440300")))


def take(unit, name, username, opinion="意见", **kwargs):
    return rc.apply(db.session, unit.id, name, f.actor_of(username), now=NOW, opinion=opinion, **kwargs)


def names(unit, username) -> dict[str, str | None]:
    return {o.transition.name: o.refusal for o in rc.offers(db.session, unit, f.actor_of(username), NOW)}


def test_the_table_names_who_and_from_where():
    assert set(rc.TRANSITIONS) == {"recheck", "maintain", "propose_revoke", "revoke", "keep"}
    t = rc.TRANSITIONS
    assert t["recheck"].sources == {L.VALID} and t["recheck"].target is L.UNDER_RECHECK
    assert t["propose_revoke"].target is L.UNDER_RECHECK and t["propose_revoke"].who == {rc.PROVINCE}
    assert t["revoke"].target is L.REVOKED and all(rc._decides in t[n].guards for n in ("revoke", "keep"))
    assert rc._not_deciding in t["propose_revoke"].guards  # the list's publisher decides; others propose
    assert t["maintain"].target is t["keep"].target is L.VALID


def test_province_proposes_and_ministry_revokes_published_on_the_unit(db_session):
    unit = hebei_unit()
    assert names(unit, "hebeisheng") == {"recheck": None}
    assert names(unit, "changan") == {} and names(unit, "qiye") == {}
    take(unit, "recheck", "hebeisheng", "年度动态管理表未按期填报")
    assert unit.status == L.UNDER_RECHECK and unit.status_changed_on == NOW.date()
    assert names(unit, "hebeisheng") == {"maintain": None, "propose_revoke": None}
    assert names(unit, "gongxinbu")["revoke"] == "该复核尚未提出撤销建议，待发起复核的部门办理"
    version = unit.version
    take(unit, "propose_revoke", "hebeisheng", "连续两年未填报且存在环保处罚")
    assert unit.status == L.UNDER_RECHECK and unit.version == version + 1  # the proposal moves the version
    assert names(unit, "hebeisheng") == {"maintain": "已提出撤销建议，待工信部审定",
                                         "propose_revoke": "已提出撤销建议，待工信部审定"}
    assert names(unit, "gongxinbu") == {"maintain": "已提出撤销建议，请审定：撤销或不予撤销", "revoke": None, "keep": None}
    assert [u.id for u, _ in rc.proposals(db.session, f.actor_of("gongxinbu"))][-1] == unit.id
    assert rc.proposals(db.session, f.actor_of("hebeisheng")) == []
    rc.apply(db.session, unit.id, "revoke", f.actor_of("gongxinbu"), now=LATER, opinion="经复核，不再符合绿色工厂要求")
    assert unit.status == L.REVOKED and unit.reason == "经复核，不再符合绿色工厂要求"
    assert unit.status_changed_on == LATER.date()
    assert unit.id not in [u.id for u, _ in rc.proposals(db.session, f.actor_of("gongxinbu"))]
    history = rc.history(db.session, unit)
    assert [(e.action, e.from_status, e.to_status, e.actor_name, a, e.opinion) for e, a in history] == [
        ("listed", None, "valid", "gongxinbu", history[0][1], None),
        ("recheck", "valid", "under_recheck", "hebeisheng", "河北省工业和信息化厅", "年度动态管理表未按期填报"),
        ("propose_revoke", "under_recheck", "under_recheck", "hebeisheng", "河北省工业和信息化厅",
         "连续两年未填报且存在环保处罚"),
        ("revoke", "under_recheck", "revoked", "gongxinbu", history[3][1], "经复核，不再符合绿色工厂要求")]
    case = db.session.scalars(select(ListingRecheck).where(ListingRecheck.listed_unit_id == unit.id)).one()
    assert (case.stage, case.outcome, case.proposal_reason) == ("closed", "revoked", "连续两年未填报且存在环保处罚")
    with pytest.raises(DomainError, match="已被撤销名单资格"):
        take(unit, "recheck", "hebeisheng")
    assert names(unit, "hebeisheng") == {}


def test_maintain_and_not_revoked_return_to_valid(db_session):
    unit = hebei_unit()
    take(unit, "recheck", "hebeisheng", "抽查")
    take(unit, "maintain", "hebeisheng", "复核合格")
    assert unit.status == L.VALID
    take(unit, "recheck", "hebeisheng", "再次复核")
    take(unit, "propose_revoke", "hebeisheng", "能耗超标")
    take(unit, "keep", "gongxinbu", "整改已到位")
    assert unit.status == L.VALID and unit.reason is None
    assert [e.action for e, _ in rc.history(db.session, unit)] == [
        "listed", "recheck", "maintain", "recheck", "propose_revoke", "keep"]
    assert [c.outcome for c in db.session.scalars(select(ListingRecheck).where(
        ListingRecheck.listed_unit_id == unit.id).order_by(ListingRecheck.id))] == ["maintained", "not_revoked"]


def test_the_ministry_starts_and_ends_its_own_recheck(db_session):
    unit = hebei_unit()
    take(unit, "recheck", "gongxinbu", "部级抽查")
    assert names(unit, "hebeisheng") == {"maintain": "该复核由其他部门发起，只能由发起部门办理",
                                         "propose_revoke": "该复核由其他部门发起，只能由发起部门办理"}
    assert names(unit, "gongxinbu") == {"maintain": None, "revoke": None}  # 不予撤销 answers a proposal only
    take(unit, "revoke", "gongxinbu", "发生较大安全事故")
    assert unit.status == L.REVOKED and unit.reason == "发生较大安全事故"


def test_a_province_decides_on_its_own_provincial_list(db_session):
    unit = hebei_unit()
    unit.tier, unit.listed_by_id = "provincial", f.authority("province", "130000").id  # the province's own list
    db.session.flush()
    take(unit, "recheck", "hebeisheng", "省级抽查")
    assert names(unit, "hebeisheng") == {"maintain": None, "revoke": None}  # no proposal on its own list: no 不予撤销
    with pytest.raises(DomainError, match="由本部门直接审定撤销，无需提出建议"):
        take(unit, "propose_revoke", "hebeisheng")
    take(unit, "revoke", "hebeisheng", "不再符合省级绿色工厂要求")
    assert unit.status == L.REVOKED and unit.reason == "不再符合省级绿色工厂要求"
    other = hebei_unit()
    other.tier, other.listed_by_id = "provincial", f.authority("province", "130000").id
    db.session.flush()
    take(other, "recheck", "gongxinbu", "部级抽查")
    assert names(other, "gongxinbu") == {"maintain": None}  # the ministry does not decide on a province's list
    with pytest.raises(DomainError, match="撤销由名单发布部门审定"):
        take(other, "revoke", "gongxinbu")


@pytest.mark.parametrize("name, username, setup, message, kind", [
    ("recheck", "hebeisheng", (), "请填写复核意见", ErrorKind.INVALID),  # an empty opinion
    ("propose_revoke", "hebeisheng", ("recheck",), "请填写建议撤销的原因", ErrorKind.INVALID),
    ("revoke", "gongxinbu", ("recheck", "propose_revoke"), "请填写撤销原因", ErrorKind.INVALID),
    ("keep", "gongxinbu", ("recheck", "propose_revoke"), "请填写不予撤销的理由", ErrorKind.INVALID),
])
def test_a_reason_is_required(db_session, name, username, setup, message, kind):
    unit = hebei_unit()
    for step in setup:
        take(unit, step, "hebeisheng")
    before = (unit.status, unit.version)
    with pytest.raises(DomainError, match=message) as refused:
        take(unit, name, username, opinion="   ")
    assert refused.value.kind is kind and (unit.status, unit.version) == before
    with pytest.raises(DomainError, match="不能超过 2000 字"):
        take(unit, name, username, opinion="长" * 2001)


def test_each_refusal_says_why(db_session):
    unit = hebei_unit()
    with pytest.raises(DomainError, match="只有省级主管部门和工信部"):
        take(unit, "recheck", "shijiazhuang")
    with pytest.raises(DomainError, match="该单位不在复核中"):
        take(unit, "maintain", "hebeisheng")
    take(unit, "recheck", "hebeisheng")
    with pytest.raises(DomainError, match="正在复核中，不能重复发起"):
        take(unit, "recheck", "gongxinbu")
    with pytest.raises(DomainError, match="撤销建议由省级主管部门提出"):
        take(unit, "propose_revoke", "gongxinbu")
    with pytest.raises(DomainError, match="撤销由工信部审定"):
        take(unit, "revoke", "hebeisheng")
    with pytest.raises(DomainError, match="尚未提出撤销建议"):
        take(unit, "keep", "gongxinbu")
    with pytest.raises(DomainError, match="未知的操作"):
        take(unit, "delete", "hebeisheng")


def test_another_provinces_unit_is_not_found(db_session):
    unit = shenzhen_unit()
    for username, name in (("hebeisheng", "recheck"), ("changan", "recheck"), ("qiye", "recheck"),
                           ("sanfang", "recheck"), ("jituan", "recheck")):
        with pytest.raises(DomainError, match="未找到该名单单位") as refused:
            take(unit, name, username)
        assert refused.value.kind is ErrorKind.NOT_FOUND
    assert unit.status == L.VALID and len(unit.events) == 1
    with pytest.raises(DomainError, match="未找到该名单单位"):
        rc.apply(db.session, 10**9, "recheck", f.actor_of("gongxinbu"), now=NOW, opinion="x")


def test_the_unit_page_version_refuses_a_second_decision(db_session):
    unit = hebei_unit()
    take(unit, "recheck", "hebeisheng")
    take(unit, "propose_revoke", "hebeisheng")
    seen = unit.version
    take(unit, "keep", "gongxinbu", "不予撤销", version=seen)
    with pytest.raises(DomainError, match="刚刚已被他人处理") as refused:
        take(unit, "revoke", "gongxinbu", "撤销", version=seen)
    assert refused.value.kind is ErrorKind.CONFLICT and unit.status == L.VALID


def test_concurrent_double_decisions_one_wins(app, monkeypatch):
    """Two sessions read the proposed unit and its 复核 at once and both decide: the version column refuses the
    second, whose checks passed on what it had read before the first committed."""
    with app.app_context():
        unit = hebei_unit()
        take(unit, "recheck", "hebeisheng")
        take(unit, "propose_revoke", "hebeisheng")
        db.session.commit()
        unit_id = unit.id
    from sqlalchemy.orm import Session

    with app.app_context():
        engine = db.engine
        one, two = Session(engine), Session(engine)
        try:
            actor = f.actor_of("gongxinbu")
            held = [(s.get(ListedUnit, unit_id), rc.in_progress(s, s.get(ListedUnit, unit_id))) for s in (one, two)]
            assert all(unit.status == L.UNDER_RECHECK for unit, _ in held)  # both read it before either decides
            rc.apply(one, unit_id, "revoke", actor, now=NOW, opinion="撤销")
            one.commit()
            read_before = {id(two): held[1][1]}  # the second's checks see the 复核 as it read it
            real = rc.in_progress
            monkeypatch.setattr(rc, "in_progress", lambda s, u: read_before.get(id(s)) or real(s, u))
            with pytest.raises(DomainError, match="刚刚已被他人处理"):
                rc.apply(two, unit_id, "keep", actor, now=NOW, opinion="不予撤销")
                two.commit()
            two.rollback()
        finally:
            one.close()
            two.close()
        db.session.expire_all()
        unit = db.session.get(ListedUnit, unit_id)
        assert unit.status == L.REVOKED and [e.action for e in unit.events][-1] == "revoke"
        assert [e.action for e in unit.events].count("keep") == 0


def test_each_step_reaches_the_unit_and_a_proposal_its_decider(db_session):
    from app.domain import messages
    from app.models import Message

    unit = hebei_unit()

    def inbox(actor):
        return [m.subject for m in db.session.scalars(select(Message).where(messages.addressed_to(actor))
                                                      .where(Message.link == f"/listed-units/{unit.id}")
                                                      .order_by(Message.id))]

    from dataclasses import replace

    organization = replace(f.actor_of("qiye"), organization_id=unit.organization_id, user_id=-1)
    take(unit, "recheck", "hebeisheng", "年度动态管理表未按期填报")
    assert inbox(f.actor_of("gongxinbu")) == []  # nothing to decide yet
    take(unit, "propose_revoke", "hebeisheng", "连续两年未填报")
    assert [s.endswith("建议撤销") for s in inbox(f.actor_of("gongxinbu"))] == [True]
    assert inbox(f.actor_of("hebeisheng")) == []  # not told of its own steps
    rc.apply(db.session, unit.id, "revoke", f.actor_of("gongxinbu"), now=LATER, opinion="经复核，不再符合要求")
    assert [s.endswith("撤销") for s in inbox(f.actor_of("hebeisheng"))] == [True]
    assert [s.split("）")[-1] for s in inbox(organization)] == ["发起复核", "建议撤销", "撤销"]
    # which of the organization's listings: it may hold a 国家级 and a 省级 one of the same type
    assert all(f"（绿色工厂，国家级名单 {unit.year}年）" in s for s in inbox(organization))


def test_every_step_of_a_units_history_has_a_name():
    """The actions written with listing.record anywhere in app/ (as literals) and the 复核 transitions are all
    named for pages."""
    import ast
    from pathlib import Path

    from app.domain import listing

    root = Path(listing.__file__).resolve().parents[1]
    written = set(rc.TRANSITIONS) | {"listed"}
    for path in root.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and getattr(node.func, "attr", None) == "record" and len(node.args) > 2:
                written |= {c.value for c in ast.walk(node.args[2])  # a literal, or each branch of a choice
                            if isinstance(c, ast.Constant) and isinstance(c.value, str)}
    assert {"filed", "reminded", "overdue_reminded"} <= written
    assert written <= set(listing.EVENT_LABELS)
