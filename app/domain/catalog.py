"""The catalogue's rules: which form definition a batch's window for a declaration type uses by default, and
how IT staff publish a new version of a form (checked like seeds/forms, never edited once published)."""
from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.domain import DomainError, ErrorKind, Message
from app.domain.forms import FormDefinition as FormDefinition_, check_text, newest, version_key
from app.models import BatchTier, DeclarationType, FormDefinition
from app.vocabulary import N_

STANDARD = re.compile(r"GB/T\s*\d+(?:\.\d+)*-\d{4}")


def latest_form(session: Session, declaration_type_id: int, purpose: str = "declaration") -> int | None:
    """The newest loaded form definition of a type, its version compared as a version (2026.10 after 2026.9):
    of its 申报书, or with `purpose="filing"` of its 动态管理表."""
    return newest(session.execute(select(FormDefinition.version, FormDefinition.id)
                                  .where(FormDefinition.declaration_type_id == declaration_type_id,
                                         FormDefinition.purpose == purpose)).all())


def default_forms(session: Session, windows) -> None:
    """A batch window without a chosen form version opens with its type's newest (console, seeding, a
    province's own batch alike)."""
    for window in windows:
        if window.form_definition is None and window.declaration_type is not None:
            window.form_definition = session.get(FormDefinition, latest_form(session, window.declaration_type.id))


def window_problems(windows, tier) -> list[tuple[object, Message]]:
    """What is wrong with the windows of a batch of `tier`, each named by its declaration type: a form version
    of another type or a 动态管理表 instead of a 申报书, a window that closes before it opens, a review deadline
    before the window closes, 须持有效省级名单 on a batch that is not national (a 省级 or 市级 batch requiring a
    省级 listing could be entered by nobody). The one home of these rules: the console, seeding and a
    province's own batch check them here."""
    found = []
    national = tier is not None and BatchTier(tier) == BatchTier.NATIONAL
    for window in windows:
        declaration_type, chosen = window.declaration_type, window.form_definition
        name = declaration_type.name if declaration_type is not None else ""
        if chosen is not None and declaration_type is not None and chosen.declaration_type_id != declaration_type.id:
            found.append((window, Message(N_("%(type)s：申报书版本“%(form)s”属于其他申报类型"), type=name,
                                          form=str(chosen))))
        if chosen is not None and declaration_type is not None and chosen.purpose != "declaration":
            found.append((window, Message(N_("%(type)s：“%(form)s”是动态管理表，不是申报书"), type=name,
                                          form=str(chosen))))
        if window.opens_on and window.closes_on and window.opens_on > window.closes_on:
            found.append((window, Message(N_("%(type)s：申报开始日期不能晚于截止日期"), type=name)))
        deadlines = [window.county_deadline, window.city_deadline, window.top_deadline, window.ministry_deadline]
        if any(d and window.closes_on and d < window.closes_on for d in deadlines):
            found.append((window, Message(N_("%(type)s：审核截止日期不能早于申报截止日期"), type=name)))
        if window.requires_provincial_listing and not national:
            found.append((window, Message(N_("%(type)s：只有国家级批次可以要求“须持有效省级名单”，省级、市级批次请勿勾选"),
                                          type=name)))
    return found


def form_label(form: FormDefinition) -> str:
    """A form version as a person chooses it: the version and what it is based on, the national standard its
    title or basis names (“2026.3（GB/T 36132-2025）”) or else the first part of its basis."""
    basis = str((form.definition or {}).get("basis") or "")
    standard = STANDARD.search(form.title or "") or STANDARD.search(basis)
    if standard:
        basis = standard.group(0)
    else:
        basis = basis.split("；")[0].split("。")[0].replace("《", "").replace("》", "").strip()
        if len(basis) > 30:
            basis = basis[:29] + "…"
    return f"{form.version}（{basis}）" if basis else form.version


def declaration_forms(session: Session) -> list[FormDefinition]:
    """The 申报书 versions a batch window may use (never a 动态管理表), newest loaded first."""
    return list(session.scalars(select(FormDefinition).where(FormDefinition.purpose == "declaration")
                                .order_by(FormDefinition.id.desc())))


@dataclass(frozen=True)
class Checked:
    """An uploaded definition after the checks: its data, the definition it builds (None when refused), every
    problem in Chinese (each named by where it is), and the declaration type it names."""

    data: dict | None
    definition: FormDefinition_ | None
    errors: tuple[str, ...]
    declaration_type: DeclarationType | None = None


def check_upload(session: Session, text: str) -> Checked:
    """An uploaded definition (JSON text) checked as seeding checks seeds/forms, and against what is published:
    a type that exists, a version not yet published for it (a published version is never replaced)."""
    types = {t.code: t for t in session.scalars(select(DeclarationType))}
    data, errors = check_text(text, types=set(types))
    if errors:
        return Checked(data, None, tuple(errors))
    declaration_type = types[data["type"]]
    published = session.scalars(select(FormDefinition.version)
                                .where(FormDefinition.declaration_type_id == declaration_type.id)).all()
    if data["version"] in published:
        return Checked(data, None, (f"version：{declaration_type.name}的版本 {data['version']} 已发布，"
                                    f"发布后不再修改；请使用新的版本号（已发布：{'、'.join(sorted(published, key=version_key))}）",),
                       declaration_type)
    return Checked(data, FormDefinition_.from_dict(data, types=set(types)), (), declaration_type)


def publish(session: Session, text: str) -> FormDefinition:
    """发布: the checked upload becomes a new version of its declaration type; nothing else changes (batch
    windows keep the version they chose, declarations the one they started with)."""
    checked = check_upload(session, text)
    if checked.errors:
        raise DomainError(N_("申报书定义有 %(count)d 处问题，未发布：%(errors)s"), kind=ErrorKind.INVALID,
                          count=len(checked.errors), errors="；".join(checked.errors))
    row = FormDefinition(declaration_type_id=checked.declaration_type.id, version=checked.definition.version,
                         title=checked.definition.title, definition=checked.data,
                         purpose=checked.definition.purpose)
    session.add(row)
    session.flush()
    return row


def in_use(session: Session, form_definition_id: int) -> bool:
    """Whether a batch window or a declaration uses a version (such a version is never edited or deleted)."""
    from app.models import BatchWindow, Declaration

    return bool(session.scalar(select(BatchWindow.id).where(BatchWindow.form_definition_id == form_definition_id)
                               .limit(1)) or
                session.scalar(select(Declaration.id).where(Declaration.form_definition_id == form_definition_id)
                               .limit(1)))
