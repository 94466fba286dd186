"""The declaration lifecycle (SPEC §3), through the domain alone: no HTTP, no views."""
import ast
import datetime
import sys
import uuid
from pathlib import Path

import pytest
from sqlalchemy import event, select

from app.domain import DomainError
from app.domain import lifecycle as lc
from app.domain.scope import Actor, Audience
from app.vocabulary import DeclarationStatus as S, ReviewLevel, StepState
from app.models import Attachment, Batch, Declaration, DeclarationType, PlatformUser, ReviewRecord, ReviewStep
from tests import factories as f

NOW = f.NOW
APPLICANT, AGENCY, REVIEWER = Audience.APPLICANT, Audience.AGENCY, Audience.REVIEWER


def actor(session, username) -> Actor:
    return Actor.of(session.execute(select(PlatformUser).where(PlatformUser.username == username)).scalar_one())


def new(session, username, type_code, **content) -> Declaration:
    """A draft in a batch of the test's own: the province's package of the shared batch may be submitted."""
    return f.drafted(username, type_code, f.new_batch(f"生命周期{uuid.uuid4().hex[:8]}"), **content)


def do(session, declaration, name, username, audience, **args):
    return lc.apply(session, declaration, name, actor(session, username), audience, now=NOW, ip="127.0.0.1", **args)


def evaluate(session, declaration, score="86.5", basic="符合", applicant="qiye"):
    do(session, declaration, "choose_agency", applicant, APPLICANT, agency_id=f.organization("河北绿标认证评价有限公司").id)
    do(session, declaration, "request_evaluation", applicant, APPLICANT)
    report = Attachment(purpose="evaluation_report", storage_key=f"test/{declaration.id}.pdf", original_name="报告.pdf",
                        content_type="application/pdf", size=10, sha256="0" * 64, declaration_id=declaration.id,
                        organization_id=declaration.agency_id)
    session.add(report)
    session.flush()
    do(session, declaration, "return_evaluation", "sanfang", AGENCY, score=score, basic_requirements=basic,
       highlights="能源管理体系完善", report_id=report.id)


def steps(session, declaration, round_=None):
    rows = session.scalars(select(ReviewStep).where(
        ReviewStep.declaration_id == declaration.id, ReviewStep.round == (round_ or declaration.round),
    ).order_by(ReviewStep.position)).all()
    return [(ReviewLevel(s.level), StepState(s.state)) for s in rows]


def test_local_channel_through_every_level_with_evaluation(db_session):
    declaration = new(db_session, "qiye", "green_supply_chain")
    evaluate(db_session, declaration)
    assert declaration.status == S.EVALUATED and declaration.score == 86.5
    do(db_session, declaration, "submit", "qiye", APPLICANT)
    assert declaration.status == S.UNDER_REVIEW and declaration.round == 1
    assert steps(db_session, declaration) == [
        (ReviewLevel.COUNTY, StepState.IN_REVIEW), (ReviewLevel.CITY, StepState.NOT_STARTED),
        (ReviewLevel.TOP, StepState.NOT_STARTED), (ReviewLevel.MINISTRY, StepState.NOT_STARTED)]
    for username in ("changan", "shijiazhuang", "hebeisheng"):
        do(db_session, declaration, "approve", username, REVIEWER)
    assert declaration.pending_authority_id is None and declaration.package_rank == 1  # waits in the package
    f.recommend(declaration, "hebeisheng")
    do(db_session, declaration, "approve", "gongxinbu", REVIEWER)
    assert declaration.status == S.APPROVED and declaration.pending_authority_id is None
    assert [state for _, state in steps(db_session, declaration)] == [StepState.APPROVED] * 4
    records = db_session.scalars(select(ReviewRecord).where(ReviewRecord.declaration_id == declaration.id)
                                 .order_by(ReviewRecord.id)).all()
    assert [r.action for r in records] == ["request_evaluation", "return_evaluation", "submit",
                                           "approve", "approve", "approve", "recommend", "approve"]
    assert [r.authority.name for r in records[3:]] == [
        "石家庄市长安区工业和信息化局", "石家庄市工业和信息化局", "河北省工业和信息化厅", "河北省工业和信息化厅",
        "工业和信息化部节能与综合利用司"]
    assert all(r.ip == "127.0.0.1" and r.actor_name for r in records)


def test_province_level_authority_skips_county_and_city(db_session):
    """宝武's authority is 河北省 itself: an evaluated 绿色工厂 goes straight to the province, the county and city
    steps are 不适用 and their reviewers are not asked."""
    declaration = new(db_session, "yangqi", "green_factory")
    with pytest.raises(DomainError, match="第三方评价"):  # a 绿色工厂 needs its evaluation first
        do(db_session, declaration, "submit", "yangqi", APPLICANT)
    evaluate(db_session, declaration, applicant="yangqi")
    do(db_session, declaration, "submit", "yangqi", APPLICANT)
    assert steps(db_session, declaration) == [
        (ReviewLevel.COUNTY, StepState.NOT_APPLICABLE), (ReviewLevel.CITY, StepState.NOT_APPLICABLE),
        (ReviewLevel.TOP, StepState.IN_REVIEW), (ReviewLevel.MINISTRY, StepState.NOT_STARTED)]
    assert (declaration.county_step, declaration.city_step) == (StepState.NOT_APPLICABLE, StepState.NOT_APPLICABLE)
    assert declaration.county_authority_id is None and declaration.city_authority_id is None
    assert declaration.pending_authority_id == f.authority("province", "130000").id
    for username in ("changan", "shijiazhuang"):
        with pytest.raises(DomainError, match="不在本部门审核环节"):
            do(db_session, declaration, "approve", username, REVIEWER)
    do(db_session, declaration, "approve", "hebeisheng", REVIEWER)
    assert declaration.top_step == StepState.APPROVED


def test_province_level_authority_without_evaluation(db_session):
    baowu = f.organization("宝武绿色材料（河北）有限公司")
    design = db_session.execute(select(DeclarationType).where(DeclarationType.code == "green_design_enterprise")).scalar_one()
    baowu.declaration_types.append(design)
    declaration = new(db_session, "yangqi", "green_design_enterprise")
    do(db_session, declaration, "submit", "yangqi", APPLICANT)
    assert steps(db_session, declaration) == [
        (ReviewLevel.COUNTY, StepState.NOT_APPLICABLE), (ReviewLevel.CITY, StepState.NOT_APPLICABLE),
        (ReviewLevel.TOP, StepState.IN_REVIEW), (ReviewLevel.MINISTRY, StepState.NOT_STARTED)]
    assert declaration.county_step == StepState.NOT_APPLICABLE
    with pytest.raises(DomainError, match="不在本部门审核环节"):
        do(db_session, declaration, "approve", "changan", REVIEWER)
    do(db_session, declaration, "approve", "hebeisheng", REVIEWER)
    f.recommend(declaration, "hebeisheng")
    do(db_session, declaration, "approve", "gongxinbu", REVIEWER)
    assert declaration.status == S.APPROVED


def test_group_channel(db_session):
    baowu = f.organization("宝武绿色材料（河北）有限公司")
    design = db_session.execute(select(DeclarationType).where(DeclarationType.code == "green_design_enterprise")).scalar_one()
    if design not in baowu.declaration_types:
        baowu.declaration_types.append(design)
    declaration = new(db_session, "yangqi", "green_design_enterprise")
    do(db_session, declaration, "submit", "yangqi", APPLICANT, channel="group")
    assert declaration.top_authority_id == f.authority("group", name="中国宝武钢铁集团有限公司").id
    assert [s for _, s in steps(db_session, declaration)][:2] == [StepState.NOT_APPLICABLE] * 2
    with pytest.raises(DomainError):
        do(db_session, declaration, "approve", "hebeisheng", REVIEWER)
    do(db_session, declaration, "approve", "jituan", REVIEWER)
    f.recommend(declaration, "jituan")
    do(db_session, declaration, "approve", "gongxinbu", REVIEWER)
    assert declaration.status == S.APPROVED


def test_group_channel_needs_a_central_enterprise(db_session):
    declaration = new(db_session, "qiye", "energy_saving_tech")
    with pytest.raises(DomainError, match="央企子公司"):
        do(db_session, declaration, "submit", "qiye", APPLICANT, channel="group")


def test_association_channel(db_session):
    declaration = new(db_session, "qiye", "energy_saving_tech")
    association = f.authority("association", name="中国钢铁工业协会")
    with pytest.raises(DomainError, match="协会"):
        do(db_session, declaration, "submit", "qiye", APPLICANT, channel="association")
    do(db_session, declaration, "submit", "qiye", APPLICANT, channel="association", association_id=association.id)
    assert declaration.top_authority_id == association.id
    do(db_session, declaration, "approve", "xiehui", REVIEWER)
    assert declaration.package.authority_id == association.id and declaration.pending_authority_id is None
    f.recommend(declaration, "xiehui")
    assert declaration.pending_authority_id == f.authority("ministry").id


def test_channel_must_be_allowed_by_the_type(db_session):
    declaration = new(db_session, "qiye", "green_supply_chain")
    evaluate(db_session, declaration)
    with pytest.raises(DomainError, match="不能通过“协会”渠道"):
        do(db_session, declaration, "submit", "qiye", APPLICANT, channel="association")


def test_return_and_resubmit_keeps_every_round(db_session):
    declaration = new(db_session, "qiye", "energy_saving_tech")
    do(db_session, declaration, "submit", "qiye", APPLICANT)
    do(db_session, declaration, "approve", "changan", REVIEWER)
    with pytest.raises(DomainError, match="审核意见"):
        do(db_session, declaration, "return", "shijiazhuang", REVIEWER, opinion="  ")
    do(db_session, declaration, "return", "shijiazhuang", REVIEWER, opinion="请补充节能量测算依据")
    kept = declaration.form_data["technology"]
    assert declaration.status == S.RETURNED and kept  # content kept
    declaration.form_data = {**declaration.form_data, "technology": {**kept, "tech_name": "修订后的技术名称"}}
    do(db_session, declaration, "submit", "qiye", APPLICANT)
    assert declaration.round == 2
    assert steps(db_session, declaration, 1)[:2] == [(ReviewLevel.COUNTY, StepState.APPROVED),
                                                    (ReviewLevel.CITY, StepState.RETURNED)]
    assert steps(db_session, declaration, 2)[0] == (ReviewLevel.COUNTY, StepState.IN_REVIEW)  # the whole chain again
    opinions = db_session.scalars(select(ReviewRecord.opinion).where(
        ReviewRecord.declaration_id == declaration.id, ReviewRecord.action == "return")).all()
    assert opinions == ["请补充节能量测算依据"]


def test_withdraw_only_before_any_approval(db_session):
    declaration = new(db_session, "qiye", "energy_saving_tech")
    do(db_session, declaration, "submit", "qiye", APPLICANT)
    do(db_session, declaration, "withdraw", "qiye", APPLICANT)
    assert declaration.status == S.DRAFT and declaration.form_data["technology"]
    assert declaration.pending_authority_id is None and declaration.county_authority_id is None
    do(db_session, declaration, "submit", "qiye", APPLICANT)
    do(db_session, declaration, "approve", "changan", REVIEWER)
    with pytest.raises(DomainError, match="已有主管部门审核通过"):
        do(db_session, declaration, "withdraw", "qiye", APPLICANT)


def test_delete_only_a_never_submitted_draft(db_session):
    draft = new(db_session, "qiye", "energy_saving_tech")
    do(db_session, draft, "delete", "qiye", APPLICANT)
    db_session.flush()
    assert db_session.get(Declaration, draft.id) is None
    submitted = new(db_session, "qiye", "energy_saving_tech")
    do(db_session, submitted, "submit", "qiye", APPLICANT)
    with pytest.raises(DomainError, match="当前状态"):
        do(db_session, submitted, "delete", "qiye", APPLICANT)
    do(db_session, submitted, "withdraw", "qiye", APPLICANT)
    with pytest.raises(DomainError, match="不能删除"):
        do(db_session, submitted, "delete", "qiye", APPLICANT)


def test_submit_outside_the_batch_window(db_session):
    declaration = new(db_session, "qiye", "energy_saving_tech")
    late = NOW + datetime.timedelta(days=400)
    with pytest.raises(DomainError, match="不在申报时间内：本批次此类型的申报时间为"):
        lc.apply(db_session, declaration, "submit", actor(db_session, "qiye"), APPLICANT, now=late)


def test_create_outside_the_window_or_for_a_type_not_chosen(db_session):
    qiye = actor(db_session, "qiye")
    batch = f.first_batch()
    energy = db_session.execute(select(DeclarationType).where(DeclarationType.code == "energy_saving_tech")).scalar_one()
    park = db_session.execute(select(DeclarationType).where(DeclarationType.code == "green_park")).scalar_one()
    with pytest.raises(DomainError, match="不在申报时间内"):
        lc.create(db_session, qiye, energy, batch, NOW - datetime.timedelta(days=90))
    with pytest.raises(DomainError, match="不能申报“绿色园区”"):
        lc.create(db_session, qiye, park, batch, NOW)


def test_approve_twice_and_by_the_wrong_level(db_session):
    declaration = new(db_session, "qiye", "energy_saving_tech")
    do(db_session, declaration, "submit", "qiye", APPLICANT)
    with pytest.raises(DomainError, match="不在本部门审核环节"):
        do(db_session, declaration, "approve", "shijiazhuang", REVIEWER)
    do(db_session, declaration, "approve", "changan", REVIEWER)
    with pytest.raises(DomainError, match="不在本部门审核环节"):
        do(db_session, declaration, "approve", "changan", REVIEWER)
    with pytest.raises(DomainError, match="无权"):
        do(db_session, declaration, "approve", "qiye", APPLICANT)


def test_reject_is_final_for_the_batch(db_session):
    declaration = new(db_session, "qiye", "energy_saving_tech")
    do(db_session, declaration, "submit", "qiye", APPLICANT)
    do(db_session, declaration, "reject", "changan", REVIEWER, opinion="不符合申报条件")
    assert declaration.status == S.REJECTED and declaration.county_step == StepState.REJECTED
    for name, username, audience in (("submit", "qiye", APPLICANT), ("withdraw", "qiye", APPLICANT),
                                     ("approve", "shijiazhuang", REVIEWER)):
        with pytest.raises(DomainError, match="当前状态"):
            do(db_session, declaration, name, username, audience)


def test_evaluation_dispute_and_resubmission(db_session):
    declaration = new(db_session, "qiye", "green_supply_chain")
    with pytest.raises(DomainError, match="请先选择第三方评价机构"):
        do(db_session, declaration, "request_evaluation", "qiye", APPLICANT)
    evaluate(db_session, declaration, score="70", basic="不符合")
    with pytest.raises(DomainError, match="不符合基本要求"):
        do(db_session, declaration, "submit", "qiye", APPLICANT)
    do(db_session, declaration, "dispute", "qiye", APPLICANT, opinion="已补充能源计量器具配备率数据")
    assert declaration.status == S.DRAFT
    do(db_session, declaration, "request_evaluation", "qiye", APPLICANT)
    assert lc.latest_evaluation(db_session, declaration).round == 2
    with pytest.raises(DomainError, match="受委托"):
        do(db_session, declaration, "return_evaluation", "qiye", AGENCY, score="90")
    with pytest.raises(DomainError, match="评价结果有 2 处需要修改") as refused:
        do(db_session, declaration, "return_evaluation", "sanfang", AGENCY, score="101", basic_requirements="符合",
           highlights="好", report_id=1)
    assert refused.value.errors["score"] == "评价得分应在 0 至 100 之间" and "report" in refused.value.errors


def test_submit_lists_every_missing_field_by_section(db_session):
    declaration = new(db_session, "qiye", "energy_saving_tech")
    basic = dict(declaration.form_data["basic"])
    declaration.form_data = {**declaration.form_data, "basic": {k: v for k, v in basic.items()
                                                                if k not in ("contact", "contact_phone")}}
    with pytest.raises(DomainError) as refused:
        do(db_session, declaration, "submit", "qiye", APPLICANT)
    assert refused.value.message.startswith("申报内容不完整")
    assert "联系人" in refused.value.message and "联系电话" in refused.value.message
    assert "【" in refused.value.message  # grouped by section


def test_allowed_lists_the_buttons(db_session):
    declaration = new(db_session, "qiye", "green_supply_chain")
    names = [t.name for t in lc.allowed(db_session, declaration, actor(db_session, "qiye"), APPLICANT, NOW)]
    assert names == ["choose_agency", "delete"]
    assert lc.allowed(db_session, declaration, actor(db_session, "changan"), REVIEWER, NOW) == []


def test_review_records_are_immutable(db_session):
    declaration = new(db_session, "qiye", "energy_saving_tech")
    do(db_session, declaration, "submit", "qiye", APPLICANT)
    record = db_session.scalars(select(ReviewRecord).where(ReviewRecord.declaration_id == declaration.id)).first()
    record.opinion = "篡改"
    with pytest.raises(Exception, match="不可修改"):
        db_session.flush()


def test_scope_keys_follow_the_organization_only_from_its_next_submission(db_session):
    """A round keeps the chain it was submitted with; after the organization moves, the next round goes
    to the new authority and the old reviewers keep seeing only the history they took part in."""
    declaration = new(db_session, "qiye", "energy_saving_tech")
    do(db_session, declaration, "submit", "qiye", APPLICANT)
    do(db_session, declaration, "return", "changan", REVIEWER, opinion="请改报桥西区")
    organization = f.organization("石家庄绿源机械制造有限公司")
    old_county = declaration.county_authority_id
    organization.authority = f.authority("county", "130104")  # moved to 桥西区
    assert declaration.county_authority_id == old_county  # the returned round's keys are unchanged
    do(db_session, declaration, "submit", "qiye", APPLICANT)
    assert declaration.county_authority_id == f.authority("county", "130104").id
    assert declaration.pending_authority_id == f.authority("county", "130104").id
    assert declaration.city_authority_id == f.authority("city", "130100").id


def test_a_withdrawn_round_is_cancelled_not_pending(db_session):
    """取消上报 ends the round: its open steps read 已取消 (不适用 stays), nothing of it is in review or waiting,
    and the next 上报 starts a fresh round beside it."""
    baowu = f.organization("宝武绿色材料（河北）有限公司")  # a province-level authority: 县/市 不适用
    design = db_session.execute(select(DeclarationType).where(DeclarationType.code == "green_design_enterprise")).scalar_one()
    if design not in baowu.declaration_types:
        baowu.declaration_types.append(design)
    declaration = new(db_session, "yangqi", "green_design_enterprise")
    do(db_session, declaration, "submit", "yangqi", APPLICANT)
    do(db_session, declaration, "withdraw", "yangqi", APPLICANT)
    cancelled = [(ReviewLevel.COUNTY, StepState.NOT_APPLICABLE), (ReviewLevel.CITY, StepState.NOT_APPLICABLE),
                 (ReviewLevel.TOP, StepState.CANCELLED), (ReviewLevel.MINISTRY, StepState.CANCELLED)]
    assert steps(db_session, declaration) == cancelled
    assert StepState.CANCELLED.label == "已取消"
    assert (declaration.county_step, declaration.top_step, declaration.ministry_step) == (
        StepState.NOT_APPLICABLE, StepState.CANCELLED, StepState.CANCELLED)
    assert lc.current_step(db_session, declaration) is None and declaration.pending_authority_id is None
    do(db_session, declaration, "submit", "yangqi", APPLICANT)
    assert steps(db_session, declaration, 1) == cancelled
    assert steps(db_session, declaration)[2:] == [(ReviewLevel.TOP, StepState.IN_REVIEW),
                                                  (ReviewLevel.MINISTRY, StepState.NOT_STARTED)]


def test_a_local_round_withdrawn_at_the_county_is_cancelled_at_every_level(db_session):
    declaration = new(db_session, "qiye", "energy_saving_tech")
    do(db_session, declaration, "submit", "qiye", APPLICANT)
    do(db_session, declaration, "withdraw", "qiye", APPLICANT)
    assert [state for _, state in steps(db_session, declaration)] == [StepState.CANCELLED] * 4


# --- the lifecycle is the only writer of a declaration's state -------------------------------------------

APP_ROOT = Path(lc.__file__).resolve().parents[1]
LIFECYCLE_FILE = Path(lc.__file__).resolve()
STATE_ATTRIBUTES = {"status", "pending_authority_id", *lc.STEP_COLUMN.values()}
HISTORY_MODELS = {"ReviewRecord", "ReviewStep"}
# The one other place each other aggregate's own status is written, by the variable it is written through: a listed
# unit's standing in its 复核 transitions, a 动态管理 filing's at 提交. Neither is a declaration.
OTHER_STATES = {("domain/recheck.py", "unit"), ("domain/filing.py", "filing")}


def _updated_table(values: ast.Call) -> str | None:
    """The model named by the `update(Model)` a `.values(...)` is chained to, if the chain shows one: another
    table's status (a job's) is not a declaration's."""
    node = values.func
    while isinstance(node, (ast.Attribute, ast.Call)):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "update" and node.args:
            return getattr(node.args[0], "id", None)
        node = node.value if isinstance(node, ast.Attribute) else node.func
    return None


def state_writers(root: Path) -> list[str]:
    """Every place under `root` (an app/ tree) outside lifecycle.py that writes a declaration's status, step
    columns or pending authority, or makes a review step or a history record: by assignment, setattr, an
    UPDATE's values, a constructor, or the step-column map."""
    found = []
    for path in sorted(root.rglob("*.py")):
        relative = path.relative_to(root)
        if relative.parts[0] == "migrations" or relative == LIFECYCLE_FILE.relative_to(APP_ROOT):
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            where = f"{relative}:{getattr(node, 'lineno', '?')}"
            targets = node.targets if isinstance(node, ast.Assign) else \
                [node.target] if isinstance(node, (ast.AugAssign, ast.AnnAssign)) else []
            for target in targets:
                for part in ast.walk(target):
                    if isinstance(part, ast.Attribute) and part.attr in STATE_ATTRIBUTES \
                            and isinstance(part.ctx, ast.Store):
                        through = part.value.id if isinstance(part.value, ast.Name) else None
                        if part.attr != "status" or (str(relative), through) not in OTHER_STATES:
                            found.append(f"{where} assigns .{part.attr}")
            if not isinstance(node, ast.Call):
                continue
            name = node.func.id if isinstance(node.func, ast.Name) else \
                node.func.attr if isinstance(node.func, ast.Attribute) else None
            if name == "setattr" and len(node.args) > 1:
                key = node.args[1]
                mentions_steps = any(isinstance(n, (ast.Name, ast.Attribute)) and
                                     (getattr(n, "id", None) or getattr(n, "attr", None)) == "STEP_COLUMN"
                                     for n in ast.walk(key))
                if mentions_steps or (isinstance(key, ast.Constant) and key.value in STATE_ATTRIBUTES):
                    found.append(f"{where} setattr of a state column")
            if name == "values" and any(k.arg in STATE_ATTRIBUTES for k in node.keywords) \
                    and _updated_table(node) in (None, "Declaration"):
                found.append(f"{where} UPDATE of a state column")
            if name in HISTORY_MODELS:
                found.append(f"{where} makes a {name}")
            if name == "record" and isinstance(node.func, ast.Attribute) and \
                    getattr(node.func.value, "id", None) == "lifecycle":
                found.append(f"{where} writes history beside apply()")
    return found


def test_only_the_lifecycle_writes_a_declarations_state():
    """Recommendation packages, publication, views, the console and seeds change a declaration only through
    `lifecycle.apply`; the demo generator inserts rows it builds from the lifecycle's data, in bulk."""
    assert state_writers(APP_ROOT) == []


def test_the_writer_scan_finds_writes(tmp_path):
    """The scan itself: each kind of write outside lifecycle.py is found."""
    (tmp_path / "domain").mkdir()
    (tmp_path / "domain" / "packages.py").write_text(
        "def f(d, s, STEP_COLUMN, level):\n"
        "    d.status = 'approved'\n"
        "    d.ministry_step = d.pending_authority_id = None\n"
        "    setattr(d, STEP_COLUMN[level], 'in_review')\n"
        "    s.execute(update(Declaration).values(top_step='approved'))\n"
        "    s.add(ReviewRecord(action='x'))\n"
        "    lifecycle.record(s, d, 'recommend')\n"
        "    s.execute(update(Job).where(Job.id == 1).values(status='running'))\n", encoding="utf-8")
    assert len(state_writers(tmp_path)) == 7  # a job's status is its own


@pytest.fixture
def writes(db_session):
    """Where each change of a declaration's state columns, of a review step or of a new history record comes
    from: the innermost frame of app/ that made it (tests and factories may set rows up directly)."""
    seen: list[str] = []
    tests_root = Path(__file__).resolve().parents[1]

    def writer(*_):
        frame = sys._getframe(1)
        while frame is not None:
            file = Path(frame.f_code.co_filename).resolve()
            if file.is_relative_to(APP_ROOT):
                seen.append(f"{file.relative_to(APP_ROOT)}:{frame.f_lineno}")
                break
            if file.is_relative_to(tests_root):
                break
            frame = frame.f_back

    attributes = [getattr(Declaration, name) for name in STATE_ATTRIBUTES] + \
        [ReviewStep.state, ReviewStep.started_at, ReviewStep.decided_at]
    for attribute in attributes:
        event.listen(attribute, "set", writer)
    for model in (ReviewStep, ReviewRecord):
        event.listen(model, "init", writer)
    yield seen
    for attribute in attributes:
        event.remove(attribute, "set", writer)
    for model in (ReviewStep, ReviewRecord):
        event.remove(model, "init", writer)


def test_every_change_on_the_way_to_the_list_is_made_by_the_lifecycle(db_session, writes):
    """A declaration's whole way, through its package and the batch's publicity, watched as it runs."""
    from app.domain import publication as pub, recommendation as rec

    declarations = f.in_package(f.new_batch(f"写入检查{uuid.uuid4().hex[:8]}", "energy_saving_tech"), 2)
    package, hebei, ministry = declarations[0].package, f.actor_of("hebeisheng"), f.actor_of("gongxinbu")
    rec.reopen(db_session, package, declarations[1], hebei, NOW, "再核实")
    f.act(declarations[1], "approve", "hebeisheng")
    f.recommend(declarations[0], "hebeisheng")
    rec.withdraw(db_session, package, hebei, NOW, "重新盖章")
    rec.submit(db_session, package, hebei, NOW)
    for declaration in declarations:
        f.act(declaration, "approve", "gongxinbu")
    publication = pub.start_publicity(db_session, declarations[0].batch, ministry, NOW, title="公示",
                                      starts=NOW.date(), ends=NOW.date(), notice="")
    pub.object_to(db_session, publication, declarations[1], ministry, NOW, "收到异议")
    pub.publish(db_session, publication, ministry, NOW + datetime.timedelta(days=1))
    assert [d.status for d in declarations] == [S.LISTED, S.REJECTED]
    lifecycle_file = str(LIFECYCLE_FILE.relative_to(APP_ROOT))
    assert writes and [w for w in writes if w.split(":")[0] != lifecycle_file] == []
