"""The life of a declaration as data (SPEC §3): a table of transitions, and `apply()` to perform one.

Each transition names who may take it (an audience), the statuses it starts from, and guard functions
that return the Chinese reason for a refusal. Views draw their buttons from `allowed()`; every action,
from a button, a bulk selection or the API, goes through `apply()`, which checks again, changes the
declaration, writes its review steps and an immutable review record, moves the declaration in the
dashboard's summary rows (`figures`), and leaves the commit to the caller, so one transaction holds the
whole change. The declaration's version column makes a second,
concurrent change of the same row fail instead of overwriting the first.
"""
from __future__ import annotations

import copy
import datetime
from dataclasses import dataclass, field, replace
from functools import cached_property
from decimal import Decimal
from typing import Callable, Iterable

from sqlalchemy import delete as sa_delete, func, select
from sqlalchemy.orm import Session, object_session
from sqlalchemy.orm.exc import StaleDataError

from app.domain import DomainError, Message, dossier, figures, forms, listing, tiers
from app.domain import agency as agencies
from app.vocabulary import Channel, DeclarationStatus as S, N_, PublicationStage, ReviewLevel, StepState
from app.domain.scope import Actor, Audience
from app.models import (
    Attachment,
    Authority,
    AuthorityKind,
    Batch,
    BatchTier,
    BatchWindow,
    Declaration,
    DeclarationType,
    Evaluation,
    FormDefinition,
    Organization,
    OrgType,
    Publication,
    RecommendationPackage,
    ReviewRecord,
    ReviewStep,
    SubmittedRound,
)

LEVELS = (ReviewLevel.COUNTY, ReviewLevel.CITY, ReviewLevel.TOP, ReviewLevel.MINISTRY)
# Where a declaration keeps the state of its step at each level, for lists and counts: the one map of it.
STEP_COLUMN = {
    ReviewLevel.COUNTY: "county_step",
    ReviewLevel.CITY: "city_step",
    ReviewLevel.TOP: "top_step",
    ReviewLevel.MINISTRY: "ministry_step",
}
# The level at which an authority of the 地方 channel reviews; its parents review above it.
LEVEL_OF_KIND = {AuthorityKind.COUNTY: ReviewLevel.COUNTY, AuthorityKind.CITY: ReviewLevel.CITY,
                 AuthorityKind.PROVINCE: ReviewLevel.TOP}
STALE = N_("该申报刚刚已被他人处理，本次操作未执行，请刷新后查看最新状态")


@dataclass
class Context:
    """What a guard or an effect may look at."""

    session: Session
    declaration: Declaration
    actor: Actor
    now: datetime.datetime
    args: dict = field(default_factory=dict)
    transition: "Transition | None" = None  # the one being taken, for its effect; None while offers are drawn

    @property
    def today(self) -> datetime.date:
        return self.now.date()

    @cached_property
    def step(self) -> ReviewStep | None:
        """The step in review as the guards see it, read once for all of them (the effects read it again)."""
        return current_step(self.session, self.declaration)

    @cached_property
    def steps(self) -> dict[ReviewLevel, ReviewStep]:
        """The steps of the current round by level: packages and publication act on a named level."""
        return {ReviewLevel(s.level): s for s in self.session.scalars(select(ReviewStep).where(
            ReviewStep.declaration_id == self.declaration.id, ReviewStep.round == self.declaration.round))}

    @cached_property
    def window(self) -> BatchWindow | None:
        return self.session.scalar(select(BatchWindow).where(
            BatchWindow.batch_id == self.declaration.batch_id,
            BatchWindow.declaration_type_id == self.declaration.declaration_type_id))


Guard = Callable[[Context], "str | None"]


def _no_level(ctx: Context) -> tuple[ReviewLevel | None, int | None]:
    return None, None


@dataclass(frozen=True)
class Transition:
    """One row of the table. `target` is the status it leaves, None where the effect decides (an approval
    moves on to the next level or ends the review); `decides` is the state it gives the step it decides."""

    name: str
    label: str
    audience: Audience
    sources: frozenset
    guards: tuple[Guard, ...]
    effect: Callable[[Context], None]
    target: S | None = None
    decides: StepState | None = None
    needs_opinion: bool = False
    opinion_prompt: str = N_("请填写审核意见")  # what a missing opinion is asked for as
    confirm: str | None = None
    recorded: bool = True  # choosing an agency edits the draft, and a deleted draft has no history left
    recorded_under: Callable[[Context], tuple[ReviewLevel | None, int | None]] = _no_level  # level, authority
    ministry_label: str | None = None  # the ministry's final decision is worded differently (通过（拟入选）, 不予通过)


# --- guards: each returns why the transition is refused, or None ---------------------------------

def _own(ctx: Context) -> str | None:
    if ctx.declaration.organization_id != ctx.actor.organization_id:
        return N_("只能操作本单位的申报")
    return None


def _window_open(ctx: Context) -> DomainError | None:
    """上报 within the window's dates, and by a unit that still holds the valid 省级 listing the window requires
    (新增填报 checked it; the listing may have been revoked since)."""
    declaration = ctx.declaration
    window = _window_of(ctx.session, declaration.batch_id, declaration.declaration_type_id)
    return _window_refusal(window, ctx.today) or tiers.listing_refusal(
        ctx.session, declaration.organization, declaration.declaration_type, window)


def _needs_evaluation(ctx: Context) -> str | None:
    if not ctx.declaration.declaration_type.requires_evaluation:
        return N_("该类型无需第三方评价")
    return None


def _agency_chosen(ctx: Context) -> str | None:
    if ctx.declaration.agency_id is None:
        return N_("请先选择第三方评价机构")
    return None


def _complete(ctx: Context) -> str | None:
    """Every missing field at once, by section, then every rule the content breaks (vetoes, 必选, minima)."""
    return incompleteness(ctx.declaration)


def incompleteness(declaration: Declaration) -> DomainError | None:
    """Every gap by section, then every rule the content breaks, as one refusal a view can translate."""
    definition = definition_of(declaration)
    if definition is None:
        return DomainError(N_("该申报类型尚未配置申报书，请联系系统管理员"))
    values = content(declaration)
    by_section: dict[str, list] = {}
    for gap in forms.gaps(definition, values):
        by_section.setdefault(gap.section_title, []).append(gap.text)
    parts = tuple(Message(N_("【%(section)s】%(items)s"), section=title, items=tuple(texts))
                  for title, texts in by_section.items())
    errors = tuple(r.message for r in forms.rule_results(definition, values) if r.level == "error")
    if parts and errors:
        return DomainError(N_("申报内容不完整，请补充：%(gaps)s。%(rules)s"), gaps=parts, rules=errors)
    if parts:
        return DomainError(N_("申报内容不完整，请补充：%(gaps)s"), gaps=parts)
    if errors:
        return DomainError(N_("%(rules)s"), rules=errors)
    return None


def _evaluation_settled(ctx: Context) -> str | None:
    """Types with third-party evaluation reach the authorities only with an accepted or returned result."""
    declaration = ctx.declaration
    if not declaration.declaration_type.requires_evaluation:
        return None
    latest = latest_evaluation(ctx.session, declaration)
    if latest is None or latest.state not in ("returned", "accepted"):
        return N_("该类型须先完成第三方评价，才能上报主管部门")
    if latest.basic_requirements_met is False:
        return N_("第三方评价结论为不符合基本要求，不能上报；如有异议请修订后再次提交评价")
    return None


def _agency_capacity(ctx: Context) -> DomainError | None:
    """The chosen agency still accepted, its legal representative's yearly cap not reached (app/domain/agency.py)."""
    agency = ctx.session.get(Organization, ctx.declaration.agency_id)
    if agency is None:
        return None
    return agencies.choice_refusal(ctx.session, agency, ctx.declaration, ctx.today)


def _never_submitted(ctx: Context) -> str | None:
    history = ctx.session.scalar(select(func.count()).where(ReviewRecord.declaration_id == ctx.declaration.id))
    if ctx.declaration.round > 0 or history or latest_evaluation(ctx.session, ctx.declaration) is not None:
        return N_("已上报或已提交评价的申报不能删除，以保留审核记录；可取消上报后修改")
    return None


def _no_approval_this_round(ctx: Context) -> str | None:
    approved = ctx.session.scalar(select(func.count()).where(
        ReviewStep.declaration_id == ctx.declaration.id, ReviewStep.round == ctx.declaration.round,
        ReviewStep.state == StepState.APPROVED))
    if approved:
        return N_("已有主管部门审核通过，不能取消上报")
    return None


def _the_agency(ctx: Context) -> str | None:
    if ctx.declaration.agency_id != ctx.actor.organization_id:
        return N_("只有受委托的第三方评价机构可以返回评价结果")
    return None


def _my_turn(ctx: Context) -> str | None:
    if ctx.actor.authority_id is None or ctx.declaration.pending_authority_id != ctx.actor.authority_id:
        return N_("当前不在本部门审核环节，不能操作")
    return None


def _stale() -> DomainError:
    """Someone else acted on the declaration first: a conflict, not a refusal of this person."""
    return DomainError(STALE, kind="conflict")


def _step_open(ctx: Context) -> DomainError | None:
    """The step the row says is in review must still be; otherwise someone else has just acted."""
    return None if _is_pending(ctx.step, ctx.declaration) else _stale()


def _is_pending(step: ReviewStep | None, declaration: Declaration) -> bool:
    return step is not None and step.authority_id == declaration.pending_authority_id


def _before_deadline(ctx: Context) -> DomainError | None:
    """A level acts until its deadline in the batch window; IT staff extend it by editing the date."""
    step, window = ctx.step, ctx.window
    if step is None or window is None:
        return None
    deadline = getattr(window, f"{ReviewLevel(step.level).value}_deadline")
    if deadline is not None and ctx.today > deadline:
        return DomainError(N_("本批次%(level)s截止日期为 %(date)s，已过期，不能再审核；如需延长请联系系统管理员"),
                           level=ReviewLevel(step.level).label, date=deadline.isoformat())
    return None


def _package_open(ctx: Context) -> str | None:
    """An approval at the top level joins the authority's package, which must not have gone to the ministry."""
    step = ctx.step
    if step is None or step.level != ReviewLevel.TOP or ctx.declaration.batch.tier != BatchTier.NATIONAL:
        return None
    from app.domain import recommendation

    return recommendation.closed_for(ctx.session, ctx.declaration)


def _in_package(ctx: Context) -> DomainError | None:
    """Package transitions are taken by the package's own operations (recommendation.py), which pass it."""
    package = ctx.args.get("package")
    if not isinstance(package, RecommendationPackage) or ctx.declaration.package_id != package.id:
        return DomainError(N_("该申报不在本推荐中"), kind="not_found")
    return None


def _waits_for_recommendation(ctx: Context) -> DomainError | None:
    """Approved by its top authority, the ministry's step not started: the package may take it there."""
    step = ctx.steps.get(ReviewLevel.MINISTRY)
    return None if step is not None and step.state == StepState.NOT_STARTED else _stale()


def _at_the_ministry(ctx: Context) -> DomainError | None:
    """Recommended, the ministry not decided yet: the package may take it back."""
    step = ctx.steps.get(ReviewLevel.MINISTRY)
    return None if step is not None and step.state == StepState.IN_REVIEW else _stale()


def _in_publication(ctx: Context) -> str | None:
    """Publication transitions are taken by the publicity of the declaration's batch (publication.py)."""
    publication = ctx.args.get("publication")
    if not isinstance(publication, Publication) or publication.batch_id != ctx.declaration.batch_id \
            or publication.stage != PublicationStage.PUBLICITY:
        return N_("该申报不在本次公示中")
    return None


OPINION_MAX = 2000


def _opinion_refusal(transition: Transition, args: dict) -> str | None:
    """An opinion the transition needs must be given; any opinion given, needed or not, has the same limits.
    Checked only when acting: a page offers the transition before anything is typed."""
    if not str(args.get("opinion") or "").strip():
        return transition.opinion_prompt if transition.needs_opinion else None
    if len(args["opinion"]) > OPINION_MAX:
        return N_("审核意见不能超过 2000 字")
    return None


# --- effects -------------------------------------------------------------------------------------

def _choose_agency(ctx: Context) -> None:
    agency = ctx.session.get(Organization, _int(ctx.args.get("agency_id")))
    if agency is None or agency.org_type != OrgType.AGENCY or not agency.active:
        raise DomainError(N_("请从列表中选择第三方评价机构"), kind="invalid")
    if (refused := agencies.choice_refusal(ctx.session, agency, ctx.declaration, ctx.today, lock=True)) is not None:
        raise refused
    ctx.declaration.agency_id = agency.id


def _request_evaluation(ctx: Context) -> None:
    number = 1 + (ctx.session.scalar(select(func.count()).where(Evaluation.declaration_id == ctx.declaration.id)) or 0)
    ctx.session.add(Evaluation(declaration_id=ctx.declaration.id, round=number, agency_id=ctx.declaration.agency_id,
                               state="requested", requested_at=ctx.now))


HIGHLIGHTS_MAX = 100  # 主要亮点, as the notice asks (and the column holds)
CONCLUSION_MAX = 2000


def _return_evaluation(ctx: Context) -> None:
    """The agency's result: every problem of the form at once, by field, and nothing stored unless none."""
    evaluation = latest_evaluation(ctx.session, ctx.declaration)
    args = ctx.args
    errors: dict[str, str] = {}
    score, problem = forms.number_error(args.get("score", ""), label="评价得分", places=2, minimum=Decimal(0),
                                        maximum=Decimal(100))
    if not str(args.get("score") or "").strip():
        errors["score"] = N_("请填写评价得分（0-100）")
    elif problem:
        errors["score"] = problem
    if args.get("basic_requirements") not in ("符合", "不符合"):
        errors["basic_requirements"] = N_("请选择基本要求是否符合")
    highlights = str(args.get("highlights") or "").strip()
    if not highlights:
        errors["highlights"] = N_("请填写主要亮点（不超过 100 字）")
    elif len(highlights) > HIGHLIGHTS_MAX:
        errors["highlights"] = forms.too_long("主要亮点", HIGHLIGHTS_MAX, len(highlights))
    conclusion = str(args.get("conclusion") or "").strip()
    if len(conclusion) > CONCLUSION_MAX:
        errors["conclusion"] = forms.too_long("评价结论", CONCLUSION_MAX, len(conclusion))
    report = evaluation_report(ctx.session, ctx.declaration, ctx.actor, args.get("report_id"))
    if args.get("report_error"):
        errors["report"] = args["report_error"]
    elif report is None:
        errors["report"] = N_("请上传第三方评价报告（PDF）")
    if errors:
        raise DomainError(N_("评价结果有 %(count)d 处需要修改，未提交"), errors=errors, count=len(errors), kind="invalid")
    evaluation.score = score
    evaluation.basic_requirements_met = args["basic_requirements"] == "符合"
    evaluation.highlights = highlights
    evaluation.conclusion = conclusion or None
    evaluation.report_id = report.id
    evaluation.state = "returned"
    evaluation.returned_at = ctx.now
    ctx.declaration.score = score


def evaluation_report(session: Session, declaration: Declaration, actor: Actor, report_id) -> Attachment | None:
    """An evaluation report this agency uploaded for this declaration and no round has used yet: the only
    attachment a (possibly earlier, refused) evaluation form may name."""
    attachment = session.get(Attachment, _int(report_id)) if _int(report_id) else None
    if attachment is None or attachment.declaration_id != declaration.id or attachment.purpose != "evaluation_report" \
            or attachment.organization_id != actor.organization_id:
        return None
    used = session.scalar(select(func.count()).where(Evaluation.report_id == attachment.id))
    return None if used else attachment


def _dispute(ctx: Context) -> None:
    evaluation = latest_evaluation(ctx.session, ctx.declaration)
    evaluation.state = "disputed"
    evaluation.dispute = str(ctx.args.get("opinion") or "").strip()


def _submit(ctx: Context) -> None:
    declaration = ctx.declaration
    try:
        channel = Channel(ctx.args.get("channel") or Channel.LOCAL)
    except ValueError:
        raise DomainError(N_("请从列表中选择推荐渠道"), kind="invalid")
    chain = review_chain(ctx.session, declaration, channel, _int(ctx.args.get("association_id")))
    evaluation = latest_evaluation(ctx.session, declaration)
    if evaluation is not None and evaluation.state == "returned":
        evaluation.state = "accepted"
    declaration.round += 1
    declaration.channel = channel
    declaration.submitted_at = ctx.now
    authorities = dict(chain)
    declaration.county_authority_id = _id(authorities[ReviewLevel.COUNTY])
    declaration.city_authority_id = _id(authorities[ReviewLevel.CITY])
    declaration.top_authority_id = _id(authorities[ReviewLevel.TOP])
    for position, (level, authority, state) in enumerate(opening_states(chain), start=1):
        step = ReviewStep(declaration_id=declaration.id, round=declaration.round, position=position, level=level,
                          authority_id=_id(authority), started_at=ctx.now if state == StepState.IN_REVIEW else None)
        ctx.session.add(step)
        _put(declaration, step, state)
        if state == StepState.IN_REVIEW:
            declaration.pending_authority_id = step.authority_id
    keep_round(ctx.session, declaration, ctx.now)


def opening_states(chain: Iterable[tuple[ReviewLevel, object]]) -> list[tuple[ReviewLevel, object, StepState]]:
    """The steps a submission opens along its chain: the first applicable level reviews, those above wait,
    a level without an authority is 不适用. The demo generator opens its rows the same way."""
    found, first = [], True
    for level, authority in chain:
        if authority is None:
            found.append((level, authority, StepState.NOT_APPLICABLE))
        else:
            found.append((level, authority, StepState.IN_REVIEW if first else StepState.NOT_STARTED))
            first = False
    return found


def _put(declaration: Declaration, step: ReviewStep, state: StepState) -> None:
    """A step's new state, and the declaration's copy of it for lists: the only writer of either."""
    step.state = state
    setattr(declaration, STEP_COLUMN[ReviewLevel(step.level)], state)


def keep_round(session: Session, declaration: Declaration, now: datetime.datetime) -> SubmittedRound:
    """Keep what this 上报 submits, unchanged, for the reviewers' decisions and the next round's comparison."""
    values = copy.deepcopy(content(declaration))
    definition = definition_of(declaration)
    files = dossier.attached(definition, values) if definition is not None else []
    if definition is not None:  # the name lists show is the one submitted
        declaration.title = forms.title_of(definition, values) or declaration.title
    rows = {a.id: a for a in session.scalars(select(Attachment).where(
        Attachment.id.in_([i for _, i in files]), Attachment.declaration_id == declaration.id))} if files else {}
    kept = SubmittedRound(
        declaration_id=declaration.id, round=declaration.round, form_definition_id=declaration.form_definition_id,
        form_data=values, submitted_at=now,
        attachments=[{"id": i, "field": path, "name": rows[i].original_name, "size": rows[i].size,
                      "uploaded_at": rows[i].uploaded_at.isoformat(timespec="minutes") if rows[i].uploaded_at else None}
                     for path, i in files if i in rows])
    session.add(kept)
    return kept


def _withdraw(ctx: Context) -> None:
    """取消上报: the round ends, and each of its steps still open is 已取消 (drawn so, never as pending); the list
    columns show the round as it ended. Out of every reviewer's scope until the next 上报."""
    declaration = ctx.declaration
    for step in ctx.session.scalars(select(ReviewStep).where(
            ReviewStep.declaration_id == declaration.id, ReviewStep.round == declaration.round)):
        _put(declaration, step, StepState.CANCELLED if step.state in (StepState.NOT_STARTED, StepState.IN_REVIEW)
             else step.state)
    declaration.pending_authority_id = None
    declaration.submitted_at = None
    declaration.county_authority_id = declaration.city_authority_id = declaration.top_authority_id = None


def _approve(ctx: Context) -> None:
    declaration = ctx.declaration
    step = _open_step(ctx)
    _decide(ctx, step)
    later = ctx.session.scalars(select(ReviewStep).where(
        ReviewStep.declaration_id == declaration.id, ReviewStep.round == declaration.round,
        ReviewStep.position > step.position, ReviewStep.state == StepState.NOT_STARTED,
    ).order_by(ReviewStep.position)).first()
    if later is None:
        declaration.status = S.APPROVED
        declaration.pending_authority_id = None
        return
    if step.level == ReviewLevel.TOP and later.level == ReviewLevel.MINISTRY:
        # The ministry receives it with the authority's recommendation package, not one by one.
        from app.domain import recommendation

        recommendation.join(ctx.session, declaration, ctx.now)
        declaration.pending_authority_id = None
        return
    _start(ctx, later)


def _start(ctx: Context, step: ReviewStep) -> None:
    """The step's level now reviews the declaration."""
    _put(ctx.declaration, step, StepState.IN_REVIEW)
    step.started_at = ctx.now
    step.decided_at = None
    ctx.declaration.pending_authority_id = step.authority_id


def _end_review(ctx: Context) -> None:
    """退回修改 or 不予推荐: the step is decided and the review stops there."""
    _decide(ctx, _open_step(ctx))
    ctx.declaration.pending_authority_id = None


def _open_step(ctx: Context) -> ReviewStep:
    """The step being decided, read again: another reviewer may have decided it since the guards looked
    (PostgreSQL reads what has been committed meanwhile), leaving the next level's step or none."""
    step = current_step(ctx.session, ctx.declaration)
    if not _is_pending(step, ctx.declaration):
        raise _stale()
    return step


def _decide(ctx: Context, step: ReviewStep) -> None:
    _put(ctx.declaration, step, ctx.transition.decides)
    step.decided_at = ctx.now


def _delete(ctx: Context) -> None:
    """A never-submitted draft goes, and its attachments with it."""
    ctx.session.execute(sa_delete(Attachment).where(Attachment.declaration_id == ctx.declaration.id))
    ctx.session.delete(ctx.declaration)


def _recommend(ctx: Context) -> None:
    """提交推荐, with the rest of its package: the ministry's step opens."""
    _start(ctx, ctx.steps[ReviewLevel.MINISTRY])


def _unrecommend(ctx: Context) -> None:
    """撤回推荐: back in the package, the ministry's step not started, nobody's turn."""
    step = ctx.steps[ReviewLevel.MINISTRY]
    _put(ctx.declaration, step, StepState.NOT_STARTED)
    step.started_at = None
    ctx.declaration.pending_authority_id = None


def _reopen(ctx: Context) -> None:
    """移出推荐: out of the package and back to the top authority's own review."""
    _start(ctx, ctx.steps[ReviewLevel.TOP])
    ctx.declaration.package_id = ctx.declaration.package_rank = None


def _object(ctx: Context) -> None:
    """公示异议: the last approval of the round becomes the refusal (不予通过)."""
    approved = [s for s in ctx.steps.values() if s.state == StepState.APPROVED]
    if approved:
        _decide(ctx, max(approved, key=lambda s: s.position))


def _nothing(ctx: Context) -> None:
    return None


def _list(ctx: Context) -> None:
    """发布名单: the declaration becomes a listed unit of its batch's tier (listing.py)."""
    listing.enter(ctx.session, ctx.declaration, ctx.actor, ctx.now)


def _the_step_in_review(ctx: Context) -> tuple[ReviewLevel | None, int | None]:
    """A reviewer's decision is recorded under the step the guards checked."""
    return (ReviewLevel(ctx.step.level), ctx.step.authority_id) if ctx.step else (None, None)


def _the_package(ctx: Context) -> tuple[ReviewLevel | None, int | None]:
    return ReviewLevel.TOP, ctx.args["package"].authority_id


def _the_batch_owner(ctx: Context) -> tuple[ReviewLevel | None, int | None]:
    return None, ctx.declaration.batch.owner_id  # the publication's batch, as its guard checked


EDITABLE = frozenset({S.DRAFT, S.RETURNED})

REVIEWING = frozenset({S.UNDER_REVIEW})
_DECISION_GUARDS = (_my_turn, _step_open, _before_deadline)

TRANSITIONS: dict[str, Transition] = {t.name: t for t in (
    # the applicant's declaration and its third-party evaluation
    Transition("choose_agency", N_("选择第三方评价机构"), Audience.APPLICANT, EDITABLE,
               (_own, _needs_evaluation), _choose_agency, recorded=False),
    Transition("request_evaluation", N_("提交三方评价"), Audience.APPLICANT, EDITABLE,
               (_own, _needs_evaluation, _agency_chosen, _complete, _agency_capacity), _request_evaluation,
               target=S.EVALUATING, confirm=N_("提交后由第三方评价机构评价，评价期间不能修改申报内容。确定提交吗？")),
    Transition("return_evaluation", N_("返回评价结果"), Audience.AGENCY, frozenset({S.EVALUATING}),
               (_the_agency,), _return_evaluation, target=S.EVALUATED),
    Transition("dispute", N_("有异议，修订后再次提交"), Audience.APPLICANT, frozenset({S.EVALUATED}),
               (_own,), _dispute, target=S.DRAFT, needs_opinion=True),
    Transition("submit", N_("上报"), Audience.APPLICANT, EDITABLE | {S.EVALUATED},
               (_own, _window_open, _complete, _evaluation_settled), _submit, target=S.UNDER_REVIEW,
               confirm=N_("上报后将由上级主管部门逐级审核。确定上报吗？")),
    Transition("withdraw", N_("取消上报"), Audience.APPLICANT, REVIEWING,
               (_own, _no_approval_this_round), _withdraw, target=S.DRAFT,
               confirm=N_("取消上报不会清空已填写的内容；重新上报后须重新通过各级审核。确定取消上报吗？")),
    Transition("delete", N_("删除"), Audience.APPLICANT, frozenset({S.DRAFT}),
               (_own, _never_submitted), _delete, recorded=False,
               confirm=N_("删除后申报内容不能找回，确定删除吗？")),
    # the authorities' decisions, level by level
    Transition("approve", N_("审核通过"), Audience.REVIEWER, REVIEWING,
               (*_DECISION_GUARDS, _package_open), _approve, decides=StepState.APPROVED,
               recorded_under=_the_step_in_review, ministry_label=N_("通过（拟入选）")),
    Transition("return", N_("退回修改"), Audience.REVIEWER, REVIEWING, _DECISION_GUARDS, _end_review,
               target=S.RETURNED, decides=StepState.RETURNED, needs_opinion=True,
               recorded_under=_the_step_in_review),
    Transition("reject", N_("不予推荐"), Audience.REVIEWER, REVIEWING, _DECISION_GUARDS, _end_review,
               target=S.REJECTED, decides=StepState.REJECTED, needs_opinion=True,
               recorded_under=_the_step_in_review, ministry_label=N_("不予通过")),
    # a top authority's recommendation package (recommendation.py), for each declaration in it
    Transition("recommend", N_("提交推荐"), Audience.REVIEWER, REVIEWING,
               (_in_package, _waits_for_recommendation), _recommend, recorded_under=_the_package),
    Transition("unrecommend", N_("撤回推荐"), Audience.REVIEWER, REVIEWING,
               (_in_package, _at_the_ministry), _unrecommend, needs_opinion=True,
               opinion_prompt=N_("请填写撤回推荐的原因"), recorded_under=_the_package),
    Transition("reopen", N_("移出推荐，重新审核"), Audience.REVIEWER, REVIEWING, (_in_package,), _reopen,
               needs_opinion=True, opinion_prompt=N_("请填写移出推荐的原因"), recorded_under=_the_package),
    # a batch's publicity and list (publication.py), for each declaration in them
    Transition("publicize", N_("公示"), Audience.REVIEWER, frozenset({S.APPROVED}), (_in_publication,), _nothing,
               target=S.PUBLICITY, recorded_under=_the_batch_owner),
    Transition("object", N_("公示异议，不予通过"), Audience.REVIEWER, frozenset({S.PUBLICITY}), (_in_publication,),
               _object, target=S.REJECTED, decides=StepState.REJECTED, needs_opinion=True,
               opinion_prompt=N_("请填写不予通过的原因（不超过 2000 字）"), recorded_under=_the_batch_owner),
    Transition("publish", N_("发布名单"), Audience.REVIEWER, frozenset({S.PUBLICITY}), (_in_publication,), _list,
               target=S.LISTED, recorded_under=_the_batch_owner),
)}
REVIEW_DECISIONS = ("approve", "return", "reject")


def action_label(name: str, level: str | None = None) -> str:
    """What an action is called in buttons and history; the ministry's decisions have their own words."""
    transition = TRANSITIONS.get(name)
    if transition is None:
        return name
    if level == ReviewLevel.MINISTRY and transition.ministry_label:
        return transition.ministry_label
    return transition.label


# --- the public API ------------------------------------------------------------------------------

def refusal(transition: Transition, ctx: Context, audience: Audience) -> DomainError | None:
    """Why `transition` cannot be taken now, or None. Opinion checks wait for the opinion. A guard says why
    with a message id, or with a DomainError where the message names values."""
    if transition.audience is not audience:
        return DomainError(N_("无权执行此操作"))
    if S(ctx.declaration.status) not in transition.sources:
        return DomainError(N_("当前状态（%(status)s）不能执行“%(action)s”"),
                           status=S(ctx.declaration.status).label, action=transition.label)
    for guard in transition.guards:
        if (reason := guard(ctx)) is not None:
            return reason if isinstance(reason, DomainError) else DomainError(reason)
    return None


@dataclass(frozen=True)
class Offer:
    """A transition as a page offers it: enabled, or disabled with the reason it is refused now."""

    transition: Transition
    refusal: DomainError | None = None

    @property
    def enabled(self) -> bool:
        return self.refusal is None


# Refusals that mean "this action is not for this declaration at all", so it is not offered: a type without
# third-party evaluation, another organization's declaration, or what only a package or a publicity does.
_NOT_OFFERED = (_own, _needs_evaluation, _in_package, _in_publication)


def offers(session: Session, declaration: Declaration, actor: Actor, audience: Audience,
           now: datetime.datetime) -> list[Offer]:
    """Every transition `actor` could take from the declaration's status, each with why it may not be taken
    now, if so: pages show those disabled with the reason instead of hiding them."""
    ctx = Context(session, declaration, actor, now)
    found = []
    for transition in TRANSITIONS.values():
        if transition.audience is not audience or S(declaration.status) not in transition.sources:
            continue
        if any(guard in transition.guards and guard(ctx) is not None for guard in _NOT_OFFERED):
            continue
        found.append(Offer(transition, refusal(transition, ctx, audience)))
    if audience is Audience.REVIEWER and declaration.pending_authority_id is not None:
        level = ctx.step.level if ctx.step is not None else None
        found = [replace(o, transition=replace(o.transition, label=action_label(o.transition.name, level)))
                 for o in found]
    return found


def allowed(session: Session, declaration: Declaration, actor: Actor, audience: Audience,
            now: datetime.datetime) -> list[Transition]:
    """The transitions `actor` may take on `declaration` now."""
    return [o.transition for o in offers(session, declaration, actor, audience, now) if o.enabled]


def apply(session: Session, declaration: Declaration, name: str, actor: Actor, audience: Audience, *,
          now: datetime.datetime, ip: str | None = None, **args) -> Declaration:
    """Check and perform one transition; raise DomainError with the reason when it is refused."""
    transition = TRANSITIONS.get(name)
    if transition is None:
        raise DomainError(N_("未知的操作"), kind="not_found")
    ctx = Context(session, declaration, actor, now, args, transition)
    if (refused := refusal(transition, ctx, audience)) is not None:
        raise refused
    if (message := _opinion_refusal(transition, args)) is not None:
        raise DomainError(message, kind="invalid")
    from_status = S(declaration.status)
    level, authority_id = transition.recorded_under(ctx)
    counted = figures.contribution(session, declaration.id)  # the dashboard's rows move with the declaration
    try:
        declaration.updated_at = now
        transition.effect(ctx)
        if transition.target is not None:
            declaration.status = transition.target
        if transition.recorded:
            _record(session, declaration, name, actor, now, from_status=from_status, level=level,
                    authority_id=authority_id, opinion=args.get("opinion"), ip=ip)
        session.flush()  # the version check: a concurrent change of the same declaration fails here
    except StaleDataError:
        raise _stale()
    figures.changed(session, declaration.id, counted)
    return declaration


def _record(session: Session, declaration: Declaration, action: str, actor: Actor, now: datetime.datetime, *,
            from_status: S, level: ReviewLevel | None = None, authority_id: int | None = None, opinion=None,
            ip: str | None = None) -> None:
    """Add the immutable history entry of a transition of `declaration`, which is already in its new status."""
    session.add(ReviewRecord(
        declaration_id=declaration.id, round=declaration.round, action=action, level=level,
        authority_id=authority_id, actor_id=actor.user_id, actor_name=actor.name,
        from_status=S(from_status).value, to_status=S(declaration.status).value,
        opinion=str(opinion or "").strip() or None, ip=ip, created_at=now))


def flush(session: Session, stale: str = STALE) -> None:
    """Write pending changes; a concurrent change of a versioned row refuses the action with `stale`."""
    try:
        session.flush()
    except StaleDataError:
        raise DomainError(stale, kind="conflict")


def create(session: Session, actor: Actor, declaration_type: DeclarationType, batch: Batch,
           now: datetime.datetime, *, contact: dict | None = None,
           copy_licence: Callable[[Declaration], int | None] | None = None) -> Declaration:
    """新增填报: a draft of the actor's organization, pre-filled from its profile and the person's contact
    details; `copy_licence(declaration)` copies the registered 营业执照 into the draft's licence field."""
    organization = session.get(Organization, actor.organization_id) if actor.organization_id else None
    if (refused := creation_refusal(session, organization, declaration_type, batch, now.date())) is not None:
        raise refused
    window = session.scalar(select(BatchWindow).where(BatchWindow.batch_id == batch.id,
                                                      BatchWindow.declaration_type_id == declaration_type.id))
    declaration = Declaration(
        declaration_type_id=declaration_type.id, batch_id=batch.id, organization_id=organization.id,
        unit_name=organization.name, status=S.DRAFT, round=0, region_id=organization.region_id,
        province_id=organization.region.province_id or organization.region_id if organization.region else None,
        industry_id=organization.industry_id, created_at=now, updated_at=now,
        form_definition_id=window.form_definition_id, form_data={},
    )
    session.add(declaration)
    if (definition := definition_of(declaration)) is not None:
        values = forms.prefilled(definition, organization, contact)
        session.flush()  # the draft's id, for the files copied into it
        for section, item in definition.all_fields():
            if item.kind == "file" and item.prefill == "organization.licence" and copy_licence is not None:
                if (copied := copy_licence(declaration)) is not None:
                    values.setdefault(section.key, {})[item.key] = [copied]
        declaration.form_data = values
        declaration.title = forms.title_of(definition, values)
    session.flush()
    figures.changed(session, declaration.id, {})
    return declaration


def creation_refusal(session: Session, organization: Organization | None, declaration_type: DeclarationType,
                     batch: Batch, today: datetime.date) -> DomainError | None:
    """Why 新增填报 of `declaration_type` in `batch` is refused to `organization` now, or None: the pages show it
    next to the button, and `create` raises it."""
    if organization is None:
        return DomainError(N_("请先切换到要申报的单位"))
    if organization.org_type not in (declaration_type.declarant_types or []):
        return DomainError(N_("本单位类型不能申报“%(type)s”"), type=declaration_type.name)
    if declaration_type not in organization.declaration_types:
        return DomainError(N_("本单位未选择上报此类型，请先在企业信息中勾选“上报绿色制造类型”"))
    if (refused := tiers.reach_refusal(batch, organization)) is not None:
        return refused
    window = _window_of(session, batch.id, declaration_type.id)
    if (closed := _window_refusal(window, today)) is not None:
        return closed
    return tiers.listing_refusal(session, organization, declaration_type, window)


def review_chain(session: Session, declaration: Declaration, channel: Channel,
                 association_id: int | None = None) -> list[tuple[ReviewLevel, Authority | None]]:
    """The authority at each level for this submission; None where the level does not apply (不适用)."""
    declaration_type = declaration.declaration_type
    if channel.value not in (declaration_type.channels or []):
        raise DomainError(N_("该申报类型不能通过“%(channel)s”渠道推荐"), channel=channel.label, kind="invalid")
    organization = declaration.organization
    levels: dict[ReviewLevel, Authority | None] = dict.fromkeys(LEVELS)
    if channel is Channel.LOCAL:
        if organization.authority is None:
            raise DomainError(N_("请先在企业信息中选择上级主管部门"))
        levels = local_levels(organization.authority)
    elif channel is Channel.GROUP:
        if organization.central_enterprise is None:
            raise DomainError(N_("集团渠道仅适用于央企子公司，请先在企业信息中选择所属央企"))
        levels[ReviewLevel.TOP] = organization.central_enterprise
    else:
        association = session.get(Authority, association_id) if association_id else None
        if association is None or association.kind != AuthorityKind.ASSOCIATION or not association.active:
            raise DomainError(N_("请选择推荐的全国性行业协会"), kind="invalid")
        levels[ReviewLevel.TOP] = association
    if declaration.batch.tier == BatchTier.NATIONAL:
        levels[ReviewLevel.MINISTRY] = session.scalar(select(Authority).where(Authority.kind == AuthorityKind.MINISTRY))
    levels = tiers.cut_at_owner(declaration.batch, levels)  # an authority's own batch ends with its decision
    if not any(levels.values()):
        raise DomainError(N_("没有可以审核此申报的主管部门"))
    return [(level, levels[level]) for level in LEVELS]


def local_levels(authority: Authority) -> dict[ReviewLevel, Authority | None]:
    """The 地方 channel's authority at each level, from an organization's own authority up through its parents
    (the ministry's level is the batch's matter); None where a level is skipped. The demo generator's chains
    are walked here too."""
    levels: dict[ReviewLevel, Authority | None] = dict.fromkeys(LEVELS)
    while authority is not None and authority.kind != AuthorityKind.MINISTRY:
        levels[LEVEL_OF_KIND[AuthorityKind(authority.kind)]] = authority
        authority = authority.parent
    return levels


def window_error(session: Session, batch_id: int, declaration_type_id: int,
                 today: datetime.date) -> DomainError | None:
    return _window_refusal(_window_of(session, batch_id, declaration_type_id), today)


def _window_of(session: Session, batch_id: int, declaration_type_id: int) -> BatchWindow | None:
    return session.scalar(select(BatchWindow).where(BatchWindow.batch_id == batch_id,
                                                    BatchWindow.declaration_type_id == declaration_type_id))


def _window_refusal(window: BatchWindow | None, today: datetime.date) -> DomainError | None:
    if window is None:
        return DomainError(N_("本批次未开放此类型的申报"))
    if not (window.opens_on <= today <= window.closes_on):
        return DomainError(N_("不在申报时间内：本批次此类型的申报时间为 %(start)s 至 %(end)s"),
                           start=window.opens_on.isoformat(), end=window.closes_on.isoformat())
    return None


def open_batches(session: Session, declaration_type: DeclarationType, today: datetime.date,
                 organization: Organization | None = None) -> list[Batch]:
    """The batches with a window of the type open today; given an organization, those open to it (a national
    batch to all, an authority's own batch to the organizations under it: tiers.reaches)."""
    batches = session.scalars(
        select(Batch).join(BatchWindow, BatchWindow.batch_id == Batch.id)
        .where(BatchWindow.declaration_type_id == declaration_type.id, BatchWindow.opens_on <= today,
               BatchWindow.closes_on >= today).order_by(Batch.year.desc(), Batch.id.desc()))
    return [b for b in batches if organization is None or tiers.reaches(b, organization)]


def latest_evaluation(session: Session, declaration: Declaration) -> Evaluation | None:
    return session.scalars(select(Evaluation).where(Evaluation.declaration_id == declaration.id)
                           .order_by(Evaluation.round.desc())).first()


def current_step(session: Session, declaration: Declaration) -> ReviewStep | None:
    return session.scalars(select(ReviewStep).where(
        ReviewStep.declaration_id == declaration.id, ReviewStep.round == declaration.round,
        ReviewStep.state == StepState.IN_REVIEW)).first()


def content(declaration: Declaration) -> dict:
    return declaration.form_data or {}


_DEFINITIONS: dict[int, forms.FormDefinition] = {}


def definition_of(declaration: Declaration) -> forms.FormDefinition | None:
    """The parsed form a declaration was created with."""
    return parsed_definition(object_session(declaration), declaration.form_definition_id)


def parsed_definition(session: Session, definition_id: int | None) -> forms.FormDefinition | None:
    """A form version, parsed once: definition rows never change, so they are cached."""
    if definition_id is None:
        return None
    if definition_id not in _DEFINITIONS:
        row = session.get(FormDefinition, definition_id)
        if row is None:
            return None
        _DEFINITIONS[definition_id] = forms.FormDefinition.from_dict(row.definition)
    return _DEFINITIONS[definition_id]


def save_content(declaration: Declaration, submitted: dict, *, regions=None, industries=None,
                 now: datetime.datetime) -> forms.Problems:
    """保存: types and lengths only, never completeness; nothing is written when anything is wrong."""
    if S(declaration.status) not in EDITABLE:
        raise DomainError(N_("当前状态（%(status)s）不能修改申报内容"), status=S(declaration.status).label)
    definition = definition_of(declaration)
    values, problems = forms.clean(definition, submitted, regions=regions, industries=industries)
    if problems:
        return problems
    for section, item in definition.all_fields():
        if item.kind == "file":  # files are attached one by one; a form save never drops them
            values[section.key][item.key] = (content(declaration).get(section.key) or {}).get(item.key, [])
    declaration.form_data = values
    declaration.title = forms.title_of(definition, values) or declaration.title
    declaration.updated_at = now
    return problems


def _id(authority: Authority | None) -> int | None:
    return authority.id if authority is not None else None


def _int(value) -> int | None:
    try:
        number = int(value)
    except (TypeError, ValueError):
        return None
    return number if 0 < number < 2**31 else None


def bulk(session: Session, declarations: Iterable[Declaration], name: str, actor: Actor, audience: Audience, *,
         now: datetime.datetime, ip: str | None = None, **args) -> list[tuple[Declaration, DomainError | None]]:
    """Apply one decision to many declarations, each in its own savepoint: (declaration, refusal or None)."""
    results = []
    for declaration in declarations:
        try:
            with session.begin_nested():
                apply(session, declaration, name, actor, audience, now=now, ip=ip, **args)
            results.append((declaration, None))
        except DomainError as refused:
            results.append((declaration, refused))
    return results
