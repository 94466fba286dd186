"""Supervision of third-party evaluation agencies (SPEC §7): the legal representative, the yearly cap of national
evaluation projects, spot checks (抽查), 不再采信 and the annual work report (年度工作报告).

**The legal representative** is a person identified by the 居民身份证号码 (GB 11643, check digit validated) the
agency registers with `Organization.legal_representative_id_number`; agencies with the same number are under one
legal representative. An agency without a number (registered before it was asked for) is a representative alone.

**The cap.** The agencies under one legal representative may undertake at most `project_cap()` national evaluation
projects a year (15 unless IT staff set the site setting `agency_project_cap`). A *project* of an agency in year Y
is a declaration of a batch of the national tier whose year is Y, that chose the agency (its current
`Declaration.agency_id`) or that the agency has evaluated (any evaluation round of it); the project counts from the
moment the agency is chosen at 选择第三方评价机构. An evaluation is withdrawn, and the project no longer counts,
when the applicant chooses another agency before any evaluation round was requested from this one, or deletes the
draft. A declaration counts once for a representative however many of their agencies it chose or that evaluated it.
Provincial and city rounds are not counted. The rule lives in `choice_refusal()`, used by the lifecycle at
选择第三方评价机构 and again at 提交三方评价 (so every front door, page or API, is held to it); choosing locks the
representative's agency rows first, so two concurrent choices cannot both take the last place.

**不再采信** runs from its first day to its last day, both included (`starts_on <= day <= ends_on`); ended early by
the ministry, it is no longer in force from the day it was ended (`day < lifted_on`). While in force the agency
cannot be chosen (nor sent a new evaluation request), and the declarations that chose it and are not decided yet
(草稿, 三方评价中, 三方评价已返回, 退回修改, 审核中) are flagged to their reviewers.

Who sees which agency: the ministry every agency; a province the agencies chosen by, or that evaluated,
declarations in its own scope as a reviewer. Spot checks: the ministry sees every one, a province its own and the
ministry's, an agency those of itself.
"""
from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from sqlalchemy import and_, exists, false, or_, select, true, union
from sqlalchemy.orm import Session

from app.domain import DomainError, ErrorKind, Message, messages
from app.domain.scope import Actor, Audience, declaration_scope
from app.models import (
    AgencyEvent,
    AgencyReport,
    AgencySpotCheck,
    AgencySuspension,
    Attachment,
    Authority,
    AuthorityKind,
    Batch,
    BatchTier,
    Declaration,
    Evaluation,
    Organization,
    OrgType,
    SiteSetting,
)
from app.vocabulary import DeclarationStatus as S, N_

DEFAULT_PROJECT_CAP = 15
CAP_SETTING = "agency_project_cap"  # a site setting IT staff edit in the console
FINDINGS = (N_("合格"), N_("基本合格"), N_("不合格"))
UNDECIDED = frozenset({S.DRAFT, S.EVALUATING, S.EVALUATED, S.RETURNED, S.UNDER_REVIEW})
TEXT_MAX = 2000
REASON_MAX = 500
OWN_PAGE = "/agency/supervision/"  # the agency's own 机构监管信息 page, where messages about its supervision point
MAX_DECLARATIONS_CHECKED = 200

# --- the legal representative's identity -------------------------------------------------------------------

ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CHECK = "10X98765432"


def normalize_id_number(text: str | None) -> str:
    return "".join(str(text or "").split()).upper()


def id_check_char(first17: str) -> str:
    """The GB 11643-1999 check character of the first 17 digits (ISO 7064 MOD 11-2)."""
    return ID_CHECK[sum(int(c) * w for c, w in zip(first17, ID_WEIGHTS)) % 11]


def id_number_error(number: str, today: datetime.date | None = None) -> str | None:
    """Why `number` (normalised) is not a valid 18-digit 居民身份证号码, or None."""
    if len(number) != 18:
        return N_("居民身份证号码应为18位")
    if not number[:17].isdigit() or not (number[17].isdigit() or number[17] == "X"):
        return N_("居民身份证号码前17位应为数字，最后一位为数字或 X")
    try:
        born = datetime.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        return N_("居民身份证号码第7-14位出生日期不正确")
    if born.year < 1900 or (today is not None and born > today):
        return N_("居民身份证号码第7-14位出生日期不正确")
    if id_check_char(number[:17]) != number[17]:
        return N_("居民身份证号码校验位错误，请核对")
    return None


def masked(number: str | None) -> str:
    """How others see the number: the region and the last four characters (110105********123X)."""
    if not number:
        return ""
    return number[:6] + "*" * (len(number) - 10) + number[-4:] if len(number) > 10 else "*" * len(number)


def representative_key(organization: Organization) -> str:
    return organization.legal_representative_id_number or f"#{organization.id}"


def same_representative(session: Session, agency: Organization) -> list[Organization]:
    """The agencies under the legal representative of `agency`, itself included, by id."""
    if not agency.legal_representative_id_number:
        return [agency]
    return list(session.scalars(select(Organization).where(
        Organization.org_type == OrgType.AGENCY,
        Organization.legal_representative_id_number == agency.legal_representative_id_number,
    ).order_by(Organization.id)))


# --- the cap ---------------------------------------------------------------------------------------------

def project_cap(session: Session) -> int:
    """The yearly cap per legal representative: the site setting when it holds a positive number, else 15."""
    setting = session.get(SiteSetting, CAP_SETTING)
    try:
        value = int(str(setting.value).strip()) if setting is not None else DEFAULT_PROJECT_CAP
    except ValueError:
        return DEFAULT_PROJECT_CAP
    return value if value > 0 else DEFAULT_PROJECT_CAP


def cap_setting_error(value: str) -> str | None:
    """Why a value typed for the cap setting is refused (the console asks)."""
    try:
        number = int(str(value).strip())
    except ValueError:
        return N_("请填写正整数（每年每位法定代表人名下机构可承担的国家级评价项目数）")
    return None if 0 < number <= 10_000 else N_("请填写 1 到 10000 之间的整数")


def _national_in(year: int):
    return and_(Batch.id == Declaration.batch_id, Batch.tier == BatchTier.NATIONAL, Batch.year == year)


def _projects(year: int, agency_ids: list[int] | None = None):
    """(agency id, declaration id) of every national project of `year`: chosen, or evaluated by the agency; only
    those of `agency_ids` when given (each branch filtered, so each reads its agency index)."""
    chosen = select(Declaration.agency_id.label("agency_id"), Declaration.id.label("declaration_id")) \
        .join(Batch, _national_in(year)).where(Declaration.agency_id.is_not(None))
    evaluated = select(Evaluation.agency_id.label("agency_id"), Declaration.id.label("declaration_id")) \
        .join(Declaration, Declaration.id == Evaluation.declaration_id).join(Batch, _national_in(year))
    if agency_ids is not None:
        chosen = chosen.where(Declaration.agency_id.in_(agency_ids))
        evaluated = evaluated.where(Evaluation.agency_id.in_(agency_ids))
    return union(chosen, evaluated).subquery()


def project_count(session: Session, agencies: list[Organization], year: int, *, excluding: int | None = None) -> int:
    """The national projects of `year` of these agencies together, each declaration once."""
    projects = _projects(year, [a.id for a in agencies])
    query = select(projects.c.declaration_id).distinct()
    if excluding is not None:
        query = query.where(projects.c.declaration_id != excluding)
    return len(session.scalars(query).all())


def usage(session: Session, year: int) -> dict[int, int]:
    """Every agency's representative's count of national projects of `year`, by agency id (one statement)."""
    numbers = dict(session.execute(select(Organization.id, Organization.legal_representative_id_number).where(
        Organization.org_type == OrgType.AGENCY)).all())
    projects = _projects(year)
    by_key: dict[str, set[int]] = {}
    for agency_id, declaration_id in session.execute(select(projects.c.agency_id, projects.c.declaration_id)):
        by_key.setdefault(numbers.get(agency_id) or f"#{agency_id}", set()).add(declaration_id)
    return {agency_id: len(by_key.get(number or f"#{agency_id}", ())) for agency_id, number in numbers.items()}


def choice_refusal(session: Session, agency: Organization, declaration: Declaration, today: datetime.date, *,
                   lock: bool = False) -> DomainError | None:
    """Why `declaration` may not have `agency` now: 不再采信 in force, or its legal representative's cap reached
    (the declaration itself not counted, so choosing again the agency it holds a place with is not refused).
    `lock` takes the representative's agency rows first (PostgreSQL: FOR UPDATE), so that two concurrent
    choices count one after the other."""
    suspension = suspension_on(session, agency.id, today)
    if suspension is not None:
        return DomainError(N_("该机构处于不再采信期（%(starts)s 至 %(ends)s），不能选择。原因：%(reason)s"),
                           starts=suspension.starts_on.isoformat(), ends=suspension.ends_on.isoformat(),
                           reason=suspension.reason)
    batch = declaration.batch
    if batch is None or batch.tier != BatchTier.NATIONAL:
        return None
    agencies = same_representative(session, agency)
    if lock:
        session.execute(select(Organization.id).where(Organization.id.in_([a.id for a in agencies]))
                        .order_by(Organization.id).with_for_update())
    cap = project_cap(session)
    count = project_count(session, agencies, batch.year, excluding=declaration.id)
    if count >= cap:
        return DomainError(N_("该机构法定代表人名下机构%(year)d年度已承担 %(count)d 个国家级评价项目，已达上限 %(cap)d 个，"
                              "请另选机构"), year=batch.year, count=count, cap=cap)
    return None


@dataclass(frozen=True)
class Choice:
    """An agency as the applicant's choice list shows it."""

    id: int
    name: str
    remaining: int | None  # places left this year under its legal representative; None: not counted (not national)
    suspension: AgencySuspension | None


def choices(session: Session, declaration: Declaration, today: datetime.date) -> list[Choice]:
    """The active agencies with their remaining capacity for the declaration's batch year, and their 不再采信."""
    batch = declaration.batch
    national = batch is not None and batch.tier == BatchTier.NATIONAL
    counts = usage(session, batch.year) if national else {}
    cap = project_cap(session)
    suspended = suspensions_in_force(session, today)
    mine = set()
    if national and declaration.agency_id is not None:  # its own place is not taken from the agency it holds
        holder = session.get(Organization, declaration.agency_id)
        mine = {a.id for a in same_representative(session, holder)} if holder is not None else set()
    found = []
    for agency_id, name in session.execute(select(Organization.id, Organization.name).where(
            Organization.org_type == OrgType.AGENCY, Organization.active.is_(True)).order_by(Organization.name)):
        remaining = None
        if national:
            remaining = max(cap - counts.get(agency_id, 0) + (1 if agency_id in mine else 0), 0)
        found.append(Choice(agency_id, name, remaining, suspended.get(agency_id)))
    return found


# --- 不再采信 ----------------------------------------------------------------------------------------------

def in_force(day: datetime.date):
    return and_(AgencySuspension.starts_on <= day, AgencySuspension.ends_on >= day,
                or_(AgencySuspension.lifted_on.is_(None), AgencySuspension.lifted_on > day))


def suspension_on(session: Session, agency_id: int, day: datetime.date) -> AgencySuspension | None:
    return session.scalars(select(AgencySuspension).where(AgencySuspension.agency_id == agency_id, in_force(day))
                           .order_by(AgencySuspension.ends_on.desc())).first()


def suspensions_in_force(session: Session, day: datetime.date) -> dict[int, AgencySuspension]:
    return {s.agency_id: s for s in session.scalars(select(AgencySuspension).where(in_force(day))
                                                    .order_by(AgencySuspension.ends_on))}


def flag_of(session: Session, declaration: Declaration, day: datetime.date) -> AgencySuspension | None:
    """The 不再采信 a reviewer is told of on a declaration: of its chosen agency, while it is not decided."""
    if declaration.agency_id is None or S(declaration.status) not in UNDECIDED:
        return None
    return suspension_on(session, declaration.agency_id, day)


FLAGGED_SHOWN = 50


def flagged(session: Session, actor: Actor, day: datetime.date) -> list[tuple[Declaration, AgencySuspension]]:
    """The declarations in `actor`'s review scope whose chosen agency is in a 不再采信 period today and that are
    not decided yet, newest first (at most FLAGGED_SHOWN): the warning above the reviewer's list."""
    rows = session.execute(select(Declaration, AgencySuspension).join(
        AgencySuspension, and_(AgencySuspension.agency_id == Declaration.agency_id, in_force(day)))
        .where(declaration_scope(actor, Audience.REVIEWER), Declaration.status.in_([s.value for s in UNDECIDED]))
        .order_by(Declaration.submitted_at.desc(), Declaration.id.desc()).limit(FLAGGED_SHOWN)).all()
    seen, found = set(), []
    for declaration, suspension in rows:
        if declaration.id not in seen:
            seen.add(declaration.id)
            found.append((declaration, suspension))
    return found


def suspend(session: Session, actor: Actor, agency: Organization, now: datetime.datetime, *, starts: str, ends: str,
            reason: str) -> AgencySuspension:
    """The ministry stops accepting the agency's reports from `starts` to `ends` (both included)."""
    if actor.authority_kind is not AuthorityKind.MINISTRY:
        raise DomainError(N_("只有工业和信息化部可以设置不再采信"))
    errors: dict[str, str] = {}
    first, last = _date(starts, "starts", errors), _date(ends, "ends", errors)
    reason = (reason or "").strip()
    if not reason:
        errors["reason"] = N_("请填写不再采信的原因")
    elif len(reason) > REASON_MAX:
        errors["reason"] = N_("原因不能超过 500 字")
    if first and last and last < first:
        errors["ends"] = N_("结束日期不能早于开始日期")
    elif last and last < now.date():
        errors["ends"] = N_("结束日期不能早于今天：已经过去的期间无需设置不再采信")
    if first and last and not errors:
        overlapping = session.scalars(select(AgencySuspension).where(
            AgencySuspension.agency_id == agency.id, AgencySuspension.starts_on <= last,
            AgencySuspension.ends_on >= first, AgencySuspension.lifted_on.is_(None))).first()
        if overlapping is not None:
            errors["starts"] = Message(N_("与已有的不再采信期（%(starts)s 至 %(ends)s）重叠"),
                                       starts=overlapping.starts_on.isoformat(), ends=overlapping.ends_on.isoformat())
    if errors:
        raise DomainError(N_("不再采信未设置：有 %(count)d 处需要修改"), count=len(errors), errors=errors,
                          kind=ErrorKind.INVALID)
    suspension = AgencySuspension(agency_id=agency.id, starts_on=first, ends_on=last, reason=reason,
                                  authority_id=actor.authority_id, actor_id=actor.user_id, actor_name=actor.name,
                                  created_at=now)
    session.add(suspension)
    record(session, agency.id, "suspended", actor, now, f"{first.isoformat()} 至 {last.isoformat()}：{reason}")
    period = {"starts": first.isoformat(), "ends": last.isoformat()}
    messages.post(session, organization_id=agency.id, subject=Message(N_("不再采信通知：%(starts)s 至 %(ends)s"), **period),
                  body=Message(N_("工业和信息化部决定在 %(starts)s 至 %(ends)s 期间不再采信本机构的评价报告。原因：%(reason)s"),
                               reason=reason, **period), link=OWN_PAGE, now=now)
    session.flush()
    return suspension


def lift(session: Session, actor: Actor, suspension: AgencySuspension, now: datetime.datetime, reason: str) -> None:
    """The ministry ends a 不再采信 early: no longer in force from today."""
    if actor.authority_kind is not AuthorityKind.MINISTRY:
        raise DomainError(N_("只有工业和信息化部可以解除不再采信"))
    reason = (reason or "").strip()
    if suspension.lifted_on is not None:
        raise DomainError(N_("该不再采信已于 %(day)s 解除"), day=suspension.lifted_on.isoformat())
    if suspension.ends_on < now.date():
        raise DomainError(N_("该不再采信期已于 %(day)s 结束，无需解除"), day=suspension.ends_on.isoformat())
    if not reason:
        raise DomainError(N_("请填写提前解除的原因"), kind=ErrorKind.INVALID)
    if len(reason) > REASON_MAX:
        raise DomainError(N_("原因不能超过 500 字"), kind=ErrorKind.INVALID)
    suspension.lifted_on = max(now.date(), suspension.starts_on)
    suspension.lift_reason, suspension.lifted_by_name, suspension.lifted_at = reason, actor.name, now
    record(session, suspension.agency_id, "lifted",
           actor, now, f"{suspension.starts_on.isoformat()} 至 {suspension.ends_on.isoformat()}：{reason}")
    messages.post(session, organization_id=suspension.agency_id, subject=Message(N_("不再采信已提前解除")),
                  body=Message(N_("自 %(day)s 起恢复采信本机构的评价报告。原因：%(reason)s"),
                               day=suspension.lifted_on.isoformat(), reason=reason), link=OWN_PAGE, now=now)
    session.flush()


# --- who sees which agency, and which spot checks --------------------------------------------------------

def may_supervise(actor: Actor) -> bool:
    return actor.authority_kind in (AuthorityKind.MINISTRY, AuthorityKind.PROVINCE) and actor.authority_id is not None


def agency_scope(actor: Actor):
    """A WHERE clause on Organization: the agencies `actor` supervises."""
    if not may_supervise(actor):
        return false()
    is_agency = Organization.org_type == OrgType.AGENCY
    if actor.authority_kind is AuthorityKind.MINISTRY:
        return is_agency
    mine = declaration_scope(actor, Audience.REVIEWER)
    chose = exists().where(Declaration.agency_id == Organization.id, mine)
    evaluated = exists().where(Evaluation.agency_id == Organization.id, Evaluation.declaration_id == Declaration.id,
                               mine)
    return and_(is_agency, or_(chose, evaluated))


def supervised(session: Session, actor: Actor, agency_id) -> Organization | None:
    """The agency if `actor` supervises it, else None (the views answer 404)."""
    if not isinstance(agency_id, int):
        return None
    return session.scalar(select(Organization).where(Organization.id == agency_id, agency_scope(actor)))


def spot_check_scope(actor: Actor):
    """A WHERE clause on AgencySpotCheck: what `actor` may read."""
    if actor.authority_kind is AuthorityKind.MINISTRY:
        return true()
    if actor.authority_kind is AuthorityKind.PROVINCE and actor.authority_id is not None:
        ministry = select(Authority.id).where(Authority.kind == AuthorityKind.MINISTRY)
        return or_(AgencySpotCheck.authority_id == actor.authority_id, AgencySpotCheck.authority_id.in_(ministry))
    if actor.authority_id is None and actor.org_type == OrgType.AGENCY and actor.organization_id is not None:
        return AgencySpotCheck.agency_id == actor.organization_id
    return false()


def spot_checks(session: Session, actor: Actor, agency_id: int) -> list[AgencySpotCheck]:
    return list(session.scalars(select(AgencySpotCheck).where(
        AgencySpotCheck.agency_id == agency_id, spot_check_scope(actor))
        .order_by(AgencySpotCheck.checked_on.desc(), AgencySpotCheck.id.desc())))


def checkable(session: Session, actor: Actor, agency: Organization) -> list[Declaration]:
    """The declarations `actor` may name in a spot check of `agency`: in its scope, chosen or evaluated by it."""
    evaluated = exists().where(Evaluation.declaration_id == Declaration.id, Evaluation.agency_id == agency.id)
    return list(session.scalars(select(Declaration).where(
        declaration_scope(actor, Audience.REVIEWER), or_(Declaration.agency_id == agency.id, evaluated))
        .order_by(Declaration.submitted_at.desc(), Declaration.id.desc()).limit(MAX_DECLARATIONS_CHECKED)))


def record_spot_check(session: Session, actor: Actor, agency: Organization, now: datetime.datetime, *,
                      checked_on: str, declaration_ids: list[str], finding: str, opinion: str,
                      attachment: Attachment | None = None, attachment_error: str | None = None) -> AgencySpotCheck:
    """抽查: every problem at once, by field; nothing stored unless there is none. The declarations are optional:
    a check of the agency's files and records in general names none (an agency may have evaluated nothing in the
    checker's scope yet)."""
    if not may_supervise(actor) or supervised(session, actor, agency.id) is None:
        raise DomainError(N_("只能抽查本部门范围内的第三方评价机构"), kind=ErrorKind.NOT_FOUND)
    errors: dict[str, str] = {}
    day = _date(checked_on, "checked_on", errors)
    if day is not None and day > now.date():
        errors["checked_on"] = N_("抽查日期不能晚于今天")
    allowed = {d.id for d in checkable(session, actor, agency)}
    chosen = sorted({int(i) for i in declaration_ids if str(i).isdigit() and len(str(i)) < 10})
    if any(i not in allowed for i in chosen) or len(chosen) != len(set(declaration_ids)):
        errors["declarations"] = N_("所选申报不在本部门范围内或并非该机构评价，请从列表中选择")
    if finding not in FINDINGS:
        errors["finding"] = N_("请选择抽查结论")
    opinion = (opinion or "").strip()
    if not opinion:
        errors["opinion"] = N_("请填写抽查意见")
    elif len(opinion) > TEXT_MAX:
        errors["opinion"] = N_("抽查意见不能超过 2000 字")
    if attachment_error:
        errors["attachment"] = attachment_error
    if errors:
        raise DomainError(N_("抽查记录未保存：有 %(count)d 处需要修改"), count=len(errors), errors=errors,
                          kind=ErrorKind.INVALID)
    check = AgencySpotCheck(agency_id=agency.id, authority_id=actor.authority_id, checked_on=day,
                            declaration_ids=chosen, finding=finding, opinion=opinion,
                            attachment_id=attachment.id if attachment else None, actor_id=actor.user_id,
                            actor_name=actor.name, created_at=now)
    session.add(check)
    record(session, agency.id, "spot_check", actor, now,
           f"{day.isoformat()} {finding}（{len(chosen)} 个申报）" if chosen else f"{day.isoformat()} {finding}（机构档案与工作记录）")
    session.flush()
    return check


# --- 年度工作报告 ------------------------------------------------------------------------------------------

def report_years(today: datetime.date) -> list[int]:
    """The years an agency may file for: the last one (filed early in the year) and the current one."""
    return [today.year - 1, today.year]


def file_report(session: Session, actor: Actor, now: datetime.datetime, *, year: str, projects: str, evaluators: str,
                summary: str, attachment: Attachment | None, attachment_error: str | None = None) -> AgencyReport:
    """The agency's annual work report for `year`; filing again replaces the year's report (history keeps both)."""
    if actor.org_type != OrgType.AGENCY or actor.organization_id is None:
        raise DomainError(N_("只有第三方评价机构可以提交年度工作报告"))
    errors: dict[str, str] = {}
    years = report_years(now.date())
    number = int(year) if str(year).isdigit() and len(str(year)) == 4 else None
    if number not in years:
        errors["year"] = N_("请选择报告年度")
    counts = {}
    for name, text in (("projects", projects), ("evaluators", evaluators)):
        text = str(text or "").strip()
        if not text.isdigit() or len(text) > 6:
            errors[name] = N_("请填写 0 到 999999 之间的整数")
        else:
            counts[name] = int(text)
    summary = (summary or "").strip()
    if not summary:
        errors["summary"] = N_("请填写工作总结")
    elif len(summary) > TEXT_MAX:
        errors["summary"] = N_("工作总结不能超过 2000 字")
    existing = session.scalar(select(AgencyReport).where(AgencyReport.agency_id == actor.organization_id,
                                                         AgencyReport.year == number)) if number else None
    if attachment_error:
        errors["attachment"] = attachment_error
    elif attachment is None and existing is None:
        errors["attachment"] = N_("请上传年度工作报告（PDF）")
    if errors:
        raise DomainError(N_("年度工作报告未提交：有 %(count)d 处需要修改"), count=len(errors), errors=errors,
                          kind=ErrorKind.INVALID)
    report = existing or AgencyReport(agency_id=actor.organization_id, year=number)
    report.projects, report.evaluators, report.summary = counts["projects"], counts["evaluators"], summary
    if attachment is not None:
        report.attachment_id = attachment.id
    report.actor_id, report.actor_name, report.submitted_at = actor.user_id, actor.name, now
    session.add(report)
    record(session, actor.organization_id, "report_refiled" if existing else "report_filed", actor, now,
           f"{number}年度")
    session.flush()
    return report


# --- what the supervisors and the agency see -------------------------------------------------------------

@dataclass
class Standing:
    """One agency as the supervision pages show it."""

    agency: Organization
    count: int
    cap: int
    suspension: AgencySuspension | None
    spot_checks: int
    last_finding: str | None
    report: AgencyReport | None
    same_representative: list[Organization] = field(default_factory=list)

    @property
    def remaining(self) -> int:
        return max(self.cap - self.count, 0)


def overview(session: Session, actor: Actor, year: int, today: datetime.date) -> list[Standing]:
    """The agencies `actor` supervises, each with this year's count, 不再采信, spot checks and the year's report."""
    agencies = list(session.scalars(select(Organization).where(agency_scope(actor)).order_by(Organization.name)))
    return standings(session, actor, agencies, year, today)


def standings(session: Session, actor: Actor, agencies: list[Organization], year: int,
              today: datetime.date) -> list[Standing]:
    counts, cap, suspended = usage(session, year), project_cap(session), suspensions_in_force(session, today)
    ids = [a.id for a in agencies]
    checks: dict[int, list[AgencySpotCheck]] = {}
    for check in session.scalars(select(AgencySpotCheck).where(AgencySpotCheck.agency_id.in_(ids),
                                                               spot_check_scope(actor))
                                 .order_by(AgencySpotCheck.checked_on, AgencySpotCheck.id)):
        checks.setdefault(check.agency_id, []).append(check)
    reports = {r.agency_id: r for r in session.scalars(select(AgencyReport).where(
        AgencyReport.agency_id.in_(ids), AgencyReport.year == year))}
    return [Standing(a, counts.get(a.id, 0), cap, suspended.get(a.id), len(checks.get(a.id, [])),
                     checks[a.id][-1].finding if checks.get(a.id) else None, reports.get(a.id)) for a in agencies]


def standing(session: Session, actor: Actor, agency: Organization, year: int, today: datetime.date) -> Standing:
    found = standings(session, actor, [agency], year, today)[0]
    found.same_representative = same_representative(session, agency)
    return found


def suspensions(session: Session, agency_id: int) -> list[AgencySuspension]:
    return list(session.scalars(select(AgencySuspension).where(AgencySuspension.agency_id == agency_id)
                                .order_by(AgencySuspension.starts_on.desc(), AgencySuspension.id.desc())))


def reports(session: Session, agency_id: int) -> list[AgencyReport]:
    return list(session.scalars(select(AgencyReport).where(AgencyReport.agency_id == agency_id)
                                .order_by(AgencyReport.year.desc())))


def events(session: Session, agency_id: int) -> list[AgencyEvent]:
    return list(session.scalars(select(AgencyEvent).where(AgencyEvent.agency_id == agency_id)
                                .order_by(AgencyEvent.id.desc())))


def record(session: Session, agency_id: int, action: str, actor: Actor, now: datetime.datetime,
           detail: str | None = None) -> None:
    """Add the immutable history entry of a change of an agency's supervision."""
    session.add(AgencyEvent(agency_id=agency_id, action=action, detail=detail, authority_id=actor.authority_id,
                            actor_id=actor.user_id, actor_name=actor.name, created_at=now))


def representative_change_refusal(session: Session, agency: Organization, id_number: str | None,
                                  today: datetime.date) -> Message | None:
    """Why the agency itself may not change its legal representative's number now, or None: once it has national
    projects this year the change would move them from one representative's cap to another's, so IT staff make
    it in the console (recorded there)."""
    number = normalize_id_number(id_number) or None
    if agency.org_type != OrgType.AGENCY or not agency.legal_representative_id_number \
            or number == agency.legal_representative_id_number:
        return None
    count = project_count(session, [agency], today.year)
    if not count:
        return None
    return Message(N_("本机构%(year)d年度已承担 %(count)d 个国家级评价项目，法定代表人身份证号码的变更请联系系统管理员办理"),
                   year=today.year, count=count)


def representative_changed(session: Session, agency: Organization, before: tuple[str | None, str | None],
                           actor: Actor, now: datetime.datetime) -> None:
    """Record a change of the legal representative (name, number), as the profile or the console made it."""
    after = (agency.legal_representative, agency.legal_representative_id_number)
    if agency.org_type != OrgType.AGENCY or tuple(before) == after:
        return
    record(session, agency.id, "representative", actor, now,
           f"{before[0] or ''} {masked(before[1])} → {after[0] or ''} {masked(after[1])}")


EVENT_LABELS = {
    "representative": N_("变更法定代表人"),
    "spot_check": N_("记录抽查"),
    "suspended": N_("设置不再采信"),
    "lifted": N_("提前解除不再采信"),
    "report_filed": N_("提交年度工作报告"),
    "report_refiled": N_("重新提交年度工作报告"),
}


def _date(text: str, name: str, errors: dict[str, str]) -> datetime.date | None:
    text = (text or "").strip()
    if not text:
        errors[name] = N_("请填写日期")
        return None
    try:
        day = datetime.date.fromisoformat(text)
    except ValueError:
        errors[name] = N_("日期格式应为 YYYY-MM-DD")
        return None
    if not 2000 <= day.year <= 2100:
        errors[name] = N_("日期格式应为 YYYY-MM-DD")
        return None
    return day
