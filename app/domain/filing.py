"""动态管理 after the list (SPEC §7): listed units file a 动态管理表 (its indicators and a 自我声明) in each filing
window of their type — yearly by 15 January for the previous year, half-yearly by 15 July — and are reminded
before and after the due date; their province sees who filed, who is late, whose indicators worsened and whose
answers need attention.

A window's form is a form definition of its declaration type whose `purpose` is "filing"
(seeds/forms/green_factory_filing_2025.json); the form engine (app.domain.forms) cleans, checks and scores it.
Who sees a filing is `listed_unit_scope`: a filing hangs off its listed unit.

Every step is in the listed unit's history (ListingEvent: filed, reminded); closing a window is in the
configuration history (ConfigChange), like every change IT staff make.
"""
from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from app.domain import DomainError, ErrorKind, Message as Said, forms, green_code, listing, messages
from app.domain.scope import Actor, listed_unit_scope
from app.models import (ConfigChange, DeclarationType, Filing, FilingPeriod, FilingReminder, FilingStatus,
                        FilingWindow, FormDefinition, ListedUnit, Message, Organization, ReminderKind)
from app.models.catalog import BatchTier
from app.vocabulary import N_, ListingStatus

FILING = "filing"  # FormDefinition.purpose of a 动态管理表
ACTIVE = (ListingStatus.VALID, ListingStatus.UNDER_RECHECK)  # a revoked unit files no more
FILINGS_PAGE = "/filings/"  # the applicant's page of its filings, where a reminder leads
REMIND_DAYS = 7  # by default, units are reminded this many days before the due date
SYSTEM = Actor(user_id=None, name="系统")  # reminders are sent by the platform itself


# --- windows -------------------------------------------------------------------------------------------------

def default_due(year: int, period: FilingPeriod) -> datetime.date:
    """The notices' dates: the year by 15 January of the next year, its first half by 15 July."""
    return datetime.date(year + 1, 1, 15) if period == FilingPeriod.ANNUAL else datetime.date(year, 7, 15)


def due_by_default(year: int, period: FilingPeriod, opens_on: datetime.date | None) -> datetime.date:
    """The notices' due date for a window left without one; one before the opening date is refused by saying it is
    the default (the person never typed it)."""
    due = default_due(year, period)
    if opens_on is not None and opens_on > due:
        raise DomainError(N_("按通知默认的截止日期 %(due)s 早于开始填报日期 %(opens)s，请填写截止日期"),
                          kind=ErrorKind.INVALID, due=due.isoformat(), opens=opens_on.isoformat())
    return due


def filing_forms(session: Session, declaration_type_id: int) -> list[FormDefinition]:
    return session.scalars(select(FormDefinition).where(
        FormDefinition.declaration_type_id == declaration_type_id, FormDefinition.purpose == FILING)
        .order_by(FormDefinition.id)).all()


def latest_filing_form(session: Session, declaration_type_id: int) -> FormDefinition | None:
    rows = filing_forms(session, declaration_type_id)
    return max(rows, key=lambda f: forms.version_key(f.version)) if rows else None


def check_window(session: Session, window: FilingWindow) -> None:
    """A window as IT staff set it up: dates in order, a 动态管理表 of its own type, one per year, type and period.
    A window without a form gets the type's newest 动态管理表."""
    declaration_type = window.declaration_type or (
        session.get(DeclarationType, window.declaration_type_id) if window.declaration_type_id else None)
    if declaration_type is None:
        raise DomainError(N_("请选择申报类型"), kind=ErrorKind.INVALID)
    if not window.year or not 2000 <= window.year <= 2100:
        raise DomainError(N_("年度应在 2000 至 2100 之间"), kind=ErrorKind.INVALID)
    if window.opens_on is None or window.due_on is None:
        raise DomainError(N_("请填写开始填报日期和截止日期"), kind=ErrorKind.INVALID)
    if window.opens_on > window.due_on:
        raise DomainError(N_("开始填报日期不能晚于截止日期"), kind=ErrorKind.INVALID)
    if window.form_definition is None and window.form_definition_id is None:
        window.form_definition = latest_filing_form(session, declaration_type.id)
        if window.form_definition is None:
            raise DomainError(N_("%(type)s还没有动态管理表（用途为 filing 的表单定义），请先在“申报书版本”上传"),
                              kind=ErrorKind.INVALID, type=declaration_type.name)
    chosen = window.form_definition or session.get(FormDefinition, window.form_definition_id)
    if chosen.declaration_type_id != declaration_type.id or chosen.purpose != FILING:
        raise DomainError(N_("“%(form)s”不是%(type)s的动态管理表"), kind=ErrorKind.INVALID,
                          form=f"{chosen.title} {chosen.version}", type=declaration_type.name)
    with session.no_autoflush:
        twin = session.scalar(select(FilingWindow.id).where(
            FilingWindow.declaration_type_id == declaration_type.id, FilingWindow.year == window.year,
            FilingWindow.period == window.period, FilingWindow.id != (window.id or 0)))
    if twin:
        raise DomainError(N_("%(type)s %(year)d年的%(period)s填报已经设置，不能重复"), kind=ErrorKind.INVALID,
                          type=declaration_type.name, year=window.year, period=FilingPeriod(window.period).label)


def open_window(session: Session, *, declaration_type: DeclarationType, year: int, period: FilingPeriod,
                opens_on: datetime.date, due_on: datetime.date | None = None,
                form_definition: FormDefinition | None = None) -> FilingWindow:
    window = FilingWindow(declaration_type=declaration_type, year=year, period=period, opens_on=opens_on,
                          due_on=due_on or due_by_default(year, period, opens_on), form_definition=form_definition, closed=False)
    check_window(session, window)
    session.add(window)
    session.flush()
    return window


def close_window(session: Session, window: FilingWindow, actor: Actor, now: datetime.datetime) -> None:
    """关闭: no filing is started or submitted in the window any more (drafts stay drafts); closing a year's
    (年度) window grades its national units (企业绿码) from what they filed."""
    if window.closed:
        raise DomainError(N_("%(window)s已于 %(day)s 关闭，无需再次关闭"), window=window.title,
                          day=window.closed_on.isoformat())
    window.closed, window.closed_on = True, now.date()
    session.add(ConfigChange(user_id=actor.user_id, username=actor.name, table_name="filing_window",
                             row_id=str(window.id), action="close", changed_at=now,
                             before={"closed": False, "closed_on": None},
                             after={"closed": True, "closed_on": window.closed_on.isoformat()}))
    session.flush()
    if window.period == FilingPeriod.ANNUAL:  # the year is closed: its 企业绿码 from what the national units filed
        entries = window_scores(session, window)
        national = set(session.scalars(select(ListedUnit.id).where(
            ListedUnit.id.in_([e["listed_unit_id"] for e in entries]), ListedUnit.tier == BatchTier.NATIONAL)))
        green_code.recompute(session, year=window.year, declaration_type_id=window.declaration_type_id,
                             entries=[e for e in entries if e["listed_unit_id"] in national], now=now)


def definition_of(window: FilingWindow) -> forms.FormDefinition:
    return forms.FormDefinition.from_dict(window.form_definition.definition)


def is_open(window: FilingWindow, day: datetime.date) -> bool:
    """Filings can be started and submitted from the opening day until the window is closed (late, after the due
    date: the province sees it as late)."""
    return not window.closed and day >= window.opens_on


def units_due(window: FilingWindow):
    """The listed units that must file in a window: of its type, still listed, listed by its due date; and a unit
    that has filed in it always (a due date moved before its listing, or a unit revoked after it submitted, never
    hides a filing from its reviewers; a draft counts while the unit is still listed)."""
    in_window = (Filing.window_id == window.id) & (Filing.listed_unit_id == ListedUnit.id)
    began = select(Filing.id).where(in_window).exists()
    submitted = select(Filing.id).where(in_window, Filing.status == FilingStatus.SUBMITTED).exists()
    return (ListedUnit.declaration_type_id == window.declaration_type_id) & (
        (ListedUnit.status.in_(ACTIVE) & ((ListedUnit.listed_on <= window.due_on) | began)) | submitted)


# --- an organization's filings ----------------------------------------------------------------------------------

@dataclass
class Due:
    window: FilingWindow
    unit: ListedUnit
    filing: Filing | None

    def late_on(self, day: datetime.date) -> bool:
        return day > self.window.due_on and (self.filing is None or self.filing.status != FilingStatus.SUBMITTED)


def due_for(session: Session, actor: Actor, day: datetime.date) -> list[Due]:
    """What the actor's organization has to file in the open windows, with the filing it has begun, if any."""
    if actor.organization_id is None or actor.authority_id is not None:
        return []
    rows = session.execute(
        select(FilingWindow, ListedUnit).join(ListedUnit, units_due(FilingWindow))
        .where(ListedUnit.organization_id == actor.organization_id, FilingWindow.closed.is_(False),
               FilingWindow.opens_on <= day)
        .order_by(FilingWindow.due_on, FilingWindow.id, ListedUnit.id)).all()
    filings = {(f.window_id, f.listed_unit_id): f for f in session.scalars(select(Filing).where(
        Filing.organization_id == actor.organization_id, Filing.window_id.in_({w.id for w, _ in rows} or {0})))}
    return [Due(w, u, filings.get((w.id, u.id))) for w, u in rows]


def history_of(session: Session, actor: Actor) -> list[Filing]:
    """Every filing the actor's organization has submitted, newest first."""
    if actor.organization_id is None or actor.authority_id is not None:
        return []
    return session.scalars(select(Filing).where(Filing.organization_id == actor.organization_id,
                                                Filing.status == FilingStatus.SUBMITTED)
                           .order_by(Filing.submitted_at.desc(), Filing.id.desc())).all()


def may_file(actor: Actor, unit: ListedUnit) -> bool:
    return actor.authority_id is None and actor.organization_id is not None \
        and actor.organization_id == unit.organization_id


def start(session: Session, window: FilingWindow, unit: ListedUnit, actor: Actor, now: datetime.datetime, *,
          contact: dict | None = None) -> Filing:
    """开始填报: the unit's draft in the window (the one begun before, if any), prefilled from the profile and
    the person's `contact` (name, phone, email)."""
    if not may_file(actor, unit):
        raise DomainError(N_("只有该名单单位本单位可以填报"), kind=ErrorKind.NOT_FOUND)
    existing = session.scalar(select(Filing).where(Filing.window_id == window.id, Filing.listed_unit_id == unit.id))
    if existing is not None:
        return existing
    if not session.scalar(select(ListedUnit.id).where(ListedUnit.id == unit.id, units_due(window))):
        raise DomainError(N_("%(unit)s不在%(window)s的填报范围内（类型不同、已撤销或列入名单晚于截止日期）"),
                          unit=unit.unit_name, window=window.title)
    _check_open(window, now)
    organization = session.get(Organization, unit.organization_id)
    filing = Filing(window=window, listed_unit_id=unit.id, organization_id=unit.organization_id,
                    status=FilingStatus.DRAFT, created_at=now, updated_at=now,
                    form_data=forms.prefilled(definition_of(window), organization, contact))
    _score(filing, definition_of(window))
    try:
        with session.begin_nested():  # begun at the same moment in another tab: that draft is the one
            session.add(filing)
    except IntegrityError:
        return session.scalar(select(Filing).where(Filing.window_id == window.id, Filing.listed_unit_id == unit.id))
    return filing


STALE = N_("这份动态管理表刚在别处保存或提交过，请刷新页面后再试（本次填写的内容仍在页面上）")


def _flush(session: Session) -> None:
    """Write the filing; a concurrent save or submit of the same filing (its version) refuses this one."""
    try:
        session.flush()
    except StaleDataError:
        raise DomainError(STALE, kind=ErrorKind.CONFLICT) from None


def _check_open(window: FilingWindow, now: datetime.datetime) -> None:
    if window.closed:
        raise DomainError(N_("%(window)s已关闭，不能再填报或提交"), window=window.title)
    if now.date() < window.opens_on:
        raise DomainError(N_("%(window)s自 %(day)s 起填报"), window=window.title, day=window.opens_on.isoformat())


def _editable(filing: Filing, actor: Actor, now: datetime.datetime) -> None:
    if not may_file(actor, filing.unit):
        raise DomainError(N_("只有该名单单位本单位可以填报"), kind=ErrorKind.NOT_FOUND)
    if filing.status == FilingStatus.SUBMITTED:
        raise DomainError(N_("已于 %(time)s 提交，不能再修改"), time=filing.submitted_at.strftime("%Y-%m-%d %H:%M"))
    _check_open(filing.window, now)


def save(session: Session, filing: Filing, submitted: dict, actor: Actor, now: datetime.datetime, *,
         regions=None, industries=None) -> forms.Problems:
    """保存草稿: the values as typed, checked for types and lengths only; with problems nothing is stored."""
    _editable(filing, actor, now)
    definition = definition_of(filing.window)
    values, problems = forms.clean(definition, submitted, regions=regions, industries=industries)
    if problems:
        return problems
    filing.form_data = values
    filing.updated_at = now
    _score(filing, definition)
    _flush(session)
    return problems


def missing_errors(definition: forms.FormDefinition, values: dict) -> dict:
    """What 提交 says beside each required field left empty: a box to tick (the 承诺) asks to be ticked."""
    kinds = {f"{section.key}.{item.key}": item.kind for section, item in definition.all_fields()}
    return {g.path: forms.Message(N_("请勾选，提交前须勾选") if kinds.get(g.path) == "multichoice"
                                  else N_("必填，提交前请填写")) for g in forms.gaps(definition, values)}


def submit(session: Session, filing: Filing, actor: Actor, now: datetime.datetime) -> None:
    """提交: every required field filled (each missing one named by its field), then final; in the unit's history."""
    _editable(filing, actor, now)
    definition = definition_of(filing.window)
    gaps = forms.gaps(definition, filing.form_data or {})
    if gaps:
        raise DomainError(N_("还有 %(count)d 项未填写，未提交：%(items)s"), kind=ErrorKind.INVALID,
                          count=len(gaps), items=tuple(str(g.text) for g in gaps),
                          errors=missing_errors(definition, filing.form_data or {}))
    _score(filing, definition)
    filing.status = FilingStatus.SUBMITTED
    filing.submitted_at = filing.updated_at = now
    filing.submitted_by_id, filing.submitter_name = actor.user_id, actor.name
    late = "（逾期提交）" if now.date() > filing.window.due_on else ""
    listing.record(session, filing.unit, "filed", actor, now, from_status=ListingStatus(filing.unit.status),
                   opinion=f"提交{filing.window.title}{late}，指标得分 {filing.score}")
    _flush(session)
    _reminders_read(session, filing, actor, now)


def _reminders_read(session: Session, filing: Filing, actor: Actor, now: datetime.datetime) -> None:
    """Once submitted, the window's reminders to the unit are done with: read by the one who submitted."""
    if actor.user_id is None:
        return
    for message in session.scalars(select(Message).join(FilingReminder, FilingReminder.message_id == Message.id)
                                   .where(FilingReminder.window_id == filing.window_id,
                                          FilingReminder.listed_unit_id == filing.listed_unit_id)
                                   .order_by(Message.id)).all():
        if message.organization_id == actor.organization_id or message.user_id == actor.user_id:
            messages.mark_read(session, actor, message, now)


# --- scores --------------------------------------------------------------------------------------------------

def indicators(definition: forms.FormDefinition, values: dict) -> list[dict]:
    """Each quantitative indicator of a filing: its key (`section.field`), label, measured value (text as stored,
    None when empty), score and full points (Decimals), unit and direction."""
    found = []
    for section, item in definition.all_fields():
        if item.kind != "indicator":
            continue
        value = (values.get(section.key) or {}).get(item.key)
        found.append({"key": f"{section.key}.{item.key}", "label": item.label,
                      "value": None if value in (None, "") else str(value),
                      "score": forms.indicator_score(item, value), "max": item.points,
                      "unit": item.unit, "direction": item.direction})
    return found


def _score(filing: Filing, definition: forms.FormDefinition) -> None:
    found = indicators(definition, filing.form_data or {})
    filing.indicator_scores = [{**i, "score": None if i["score"] is None else str(i["score"]), "max": str(i["max"])}
                               for i in found]
    filing.score = sum((i["score"] or Decimal(0) for i in found), Decimal(0)).quantize(Decimal("0.01"))


def window_scores(session: Session, window: FilingWindow) -> list[dict]:
    """For the 企业绿码 grading: per submitted filing of the window, its unit, the unit's industry, its score and
    its indicators (`{"key", "label", "value", "score", "max"}`, numbers as Decimal, value None when empty)."""
    rows = session.execute(select(Filing, ListedUnit.industry_id).join(ListedUnit, ListedUnit.id == Filing.listed_unit_id)
                           .where(Filing.window_id == window.id, Filing.status == FilingStatus.SUBMITTED)
                           .order_by(Filing.listed_unit_id)).all()
    return [{"listed_unit_id": filing.listed_unit_id, "industry_id": industry_id,
             "score": Decimal(filing.score or 0),
             "indicators": [{"key": i["key"], "label": i["label"],
                             "value": None if i["value"] is None else Decimal(i["value"].replace(",", "")),
                             "score": None if i["score"] is None else Decimal(i["score"]), "max": Decimal(i["max"])}
                            for i in filing.indicator_scores or []]}
            for filing, industry_id in rows]


# --- worsened indicators --------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Change:
    key: str
    label: str
    unit: str
    before: Decimal
    after: Decimal


def previous_of(session: Session, filing: Filing) -> Filing | None:
    """The unit's filing submitted for the latest period before this one's (FilingWindow.reported_period)."""
    return session.scalar(select(Filing).join(FilingWindow, FilingWindow.id == Filing.window_id).where(
        Filing.listed_unit_id == filing.listed_unit_id, Filing.status == FilingStatus.SUBMITTED,
        Filing.id != filing.id, FilingWindow.reported_period < filing.window.reported_period)
        .order_by(FilingWindow.reported_period.desc(), FilingWindow.due_on.desc(), Filing.id.desc()).limit(1))


def worsened(current: list[dict], previous: list[dict]) -> list[Change]:
    """The indicators (as `Filing.indicator_scores`) that moved the wrong way by their direction: up for
    `lower_is_better`, down for `higher_is_better`; an indicator empty in either filing is not compared."""
    before = {i["key"]: i for i in previous or []}
    found = []
    for item in current or []:
        old = before.get(item["key"])
        if old is None or item.get("value") is None or old.get("value") is None:
            continue
        after_value, before_value = forms.as_number(item["value"]), forms.as_number(old["value"])
        if after_value is None or before_value is None:
            continue
        lower = item.get("direction") == "lower_is_better"
        if (after_value > before_value) if lower else (after_value < before_value):
            found.append(Change(item["key"], item["label"], item.get("unit") or "", before_value, after_value))
    return found


def worsened_since_previous(session: Session, filing: Filing) -> list[Change]:
    previous = previous_of(session, filing)
    return worsened(filing.indicator_scores, previous.indicator_scores) if previous is not None else []


# --- the province's view ---------------------------------------------------------------------------------------

FILED, FILED_LATE, DRAFT, NOT_FILED, LATE = (N_("已提交"), N_("逾期提交"), N_("草稿未提交"), N_("未提交"),
                                            N_("逾期未提交"))


@dataclass
class Row:
    unit: ListedUnit
    filing: Filing | None
    state: str
    late: bool
    changes: list[Change] = field(default_factory=list)
    attention: list[tuple[str, str]] = field(default_factory=list)  # answers the form marks 需关注: (label, answer)


def overview(session: Session, window: FilingWindow, actor: Actor, day: datetime.date) -> list[Row]:
    """Every unit due in the window that the actor may see, with its filing and its state; a submitted filing with
    the indicators that worsened since the unit's filing of the period before and the answers its form marks as needing
    attention. Three statements, whatever the number of units."""
    in_scope = select(ListedUnit.id).where(units_due(window), listed_unit_scope(actor))
    rows = session.execute(
        select(ListedUnit, Filing).where(ListedUnit.id.in_(in_scope))
        .outerjoin(Filing, (Filing.listed_unit_id == ListedUnit.id) & (Filing.window_id == window.id))
        .order_by(ListedUnit.unit_name, ListedUnit.id)).all()
    previous: dict[int, list] = {}
    for unit_id, scores in session.execute(
            select(Filing.listed_unit_id, Filing.indicator_scores).join(FilingWindow, FilingWindow.id == Filing.window_id)
            .where(Filing.listed_unit_id.in_(in_scope), Filing.status == FilingStatus.SUBMITTED,
                   FilingWindow.reported_period < window.reported_period)
            .order_by(Filing.listed_unit_id, FilingWindow.reported_period, FilingWindow.due_on, Filing.id)):
        previous[unit_id] = scores  # in order: the latest period's stays
    found, definition = [], definition_of(window)
    for unit, filing in rows:
        submitted = filing is not None and filing.status == FilingStatus.SUBMITTED
        if submitted:
            late = filing.submitted_at.date() > window.due_on
            changes = worsened(filing.indicator_scores, previous[unit.id]) if unit.id in previous else []
            found.append(Row(unit, filing, FILED_LATE if late else FILED, late, changes,
                             forms.needing_attention(definition, filing.form_data or {})))
        else:
            late = day > window.due_on
            found.append(Row(unit, filing, LATE if late else (DRAFT if filing is not None else NOT_FILED), late))
    return found


def windows(session: Session) -> list[FilingWindow]:
    return session.scalars(select(FilingWindow).order_by(FilingWindow.year.desc(), FilingWindow.due_on.desc(),
                                                         FilingWindow.id.desc())).all()


def scoped_filing(session: Session, actor: Actor, filing_id: int) -> Filing:
    """A filing the actor may see (its listed unit is in `listed_unit_scope`); any other is not found."""
    filing = session.scalar(select(Filing).join(ListedUnit, ListedUnit.id == Filing.listed_unit_id)
                            .where(Filing.id == filing_id, listed_unit_scope(actor)))
    if filing is None:
        raise DomainError(N_("没有这份动态管理表，或不在您的查看范围内"), kind=ErrorKind.NOT_FOUND)
    return filing


# --- reminders -----------------------------------------------------------------------------------------------

@dataclass
class Reminded:
    due_soon: int = 0
    overdue: int = 0


def remind(session: Session, now: datetime.datetime, *, days_before: int = REMIND_DAYS,
           link: str = FILINGS_PAGE) -> Reminded:
    """For each open window, a message to every unit due in it that has not submitted: `days_before` days (or
    fewer) before the due date a 截止前提醒, after the due date a 逾期提醒; each at most once per unit, window and
    kind, so running it again (daily, from cron) sends nothing twice. A unit first reminded after the due date
    gets only the 逾期提醒."""
    today = now.date()
    done = Reminded()
    for window in session.scalars(select(FilingWindow).where(FilingWindow.closed.is_(False),
                                                             FilingWindow.opens_on <= today)
                                  .order_by(FilingWindow.id)).all():
        if today > window.due_on:
            kind = ReminderKind.OVERDUE
        elif (window.due_on - today).days <= days_before:
            kind = ReminderKind.DUE_SOON
        else:
            continue
        submitted = select(Filing.id).where(Filing.window_id == window.id, Filing.listed_unit_id == ListedUnit.id,
                                            Filing.status == FilingStatus.SUBMITTED).exists()
        reminded = select(FilingReminder.id).where(FilingReminder.window_id == window.id,
                                                   FilingReminder.listed_unit_id == ListedUnit.id,
                                                   FilingReminder.kind == kind).exists()
        for unit in session.scalars(select(ListedUnit).where(units_due(window), ~submitted, ~reminded)
                                    .order_by(ListedUnit.id)).all():
            # an organization may hold several listings of a type: the reminder names which
            said = {"window": window.title, "due": window.due_on.isoformat(), "unit": unit.unit_name,
                    "listing": listing.which_listing(unit)}
            if kind == ReminderKind.OVERDUE:
                subject = Said(N_("【逾期提醒】%(window)s已过截止日期（%(listing)s）"), **said)
                body = Said(N_("%(unit)s：%(window)s的截止日期为 %(due)s，贵单位尚未提交。请尽快填报并提交；未按期填报的，"
                               "省级工业和信息化主管部门将督促整改，情节严重的可能被移出绿色制造名单。"), **said)
            else:
                subject = Said(N_("【填报提醒】%(window)s将于 %(due)s 截止（%(listing)s）"), **said)
                body = Said(N_("%(unit)s：请于 %(due)s 前填报并提交%(window)s（绿色制造指标与自我声明）。"), **said)
            reminder = FilingReminder(window_id=window.id, listed_unit_id=unit.id, kind=kind, sent_at=now)
            try:
                with session.begin_nested():  # the unique key: a run at the same moment sent it already
                    session.add(reminder)
            except IntegrityError:
                continue
            reminder.message_id = messages.post(session, organization_id=unit.organization_id, subject=subject,
                                                body=body, link=link, now=now).id
            listing.record(session, unit, "reminded" if kind == ReminderKind.DUE_SOON else "overdue_reminded",
                           SYSTEM, now, from_status=ListingStatus(unit.status), opinion=str(subject))
            setattr(done, kind.value, getattr(done, kind.value) + 1)
        session.flush()
    return done
