"""Recommendation packages (SPEC §3 item 6): how a province, group or association sends a batch on to the ministry.

When the top authority approves a declaration of a national batch, the declaration joins that authority's
package for its batch and type, at the end of the ranking, and waits there. The authority ranks the package,
downloads the generated 推荐汇总表, uploads the stamped 推荐函 and 汇总表, and 提交推荐: every declaration of the
package reaches the ministry in one transaction, or none does. Until the ministry decides on any of them the
authority may withdraw the package, which takes them all back. Every step is logged on the package and, where
a declaration moves, in the declaration's history.
"""
from __future__ import annotations

import datetime
from typing import Iterable

from sqlalchemy import func, select
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import flag_modified
from sqlalchemy.sql.elements import ColumnElement

from app.domain import DomainError, dossier, lifecycle
from app.vocabulary import N_, PackageState, StepState
from app.domain.places import full_names
from app.domain.scope import Actor, Audience
from app.models import (
    Attachment,
    AuthorityKind,
    Declaration,
    Industry,
    Organization,
    PackageEvent,
    RecommendationPackage,
)

STALE = N_("该推荐刚刚已被他人修改，本次操作未执行，请刷新后查看最新状态")
FILE_PURPOSES = {"letter": "recommendation_letter", "summary": "recommendation_summary"}
FILE_LABELS = {"letter": N_("推荐函"), "summary": N_("推荐汇总表（盖章）")}
EVENT_LABELS = {
    "letter": N_("上传推荐函"),
    "summary": N_("上传盖章汇总表"),
    "rank": N_("调整推荐顺序"),
    "reopen": N_("移出推荐，重新审核"),
    "submit": N_("提交推荐"),
    "withdraw": N_("撤回推荐"),
}
SUMMARY_COLUMNS = ["序号", "单位名称", "申报名称", "统一社会信用代码", "所在地区", "所属行业", "申报类型",
                   "第三方评价机构", "评价得分", "联系人", "联系电话", "备注"]


def package_scope(actor: Actor) -> ColumnElement[bool]:
    """The packages an actor may see: its own authority's; the ministry sees those submitted to it."""
    if actor.authority_kind is AuthorityKind.MINISTRY:
        return RecommendationPackage.state == PackageState.SUBMITTED
    if actor.authority_kind in (AuthorityKind.PROVINCE, AuthorityKind.GROUP, AuthorityKind.ASSOCIATION):
        return RecommendationPackage.authority_id == actor.authority_id
    return RecommendationPackage.id.is_(None)


def may_see(actor: Actor, package: RecommendationPackage) -> bool:
    """`package_scope` for one package already loaded."""
    if actor.authority_kind is AuthorityKind.MINISTRY:
        return package.state == PackageState.SUBMITTED
    return actor.authority_id is not None and actor.authority_id == package.authority_id


def closed_for(session: Session, declaration: Declaration) -> str | None:
    """Why the top authority cannot add this declaration to its package now, or None."""
    package = _find(session, declaration)
    if package is not None and package.state == PackageState.SUBMITTED:
        return N_("本批次该类型的推荐已提交工信部，不能再增加；如需增加请先撤回推荐")
    return None


def join(session: Session, declaration: Declaration, now: datetime.datetime) -> RecommendationPackage:
    """Put a declaration its top authority has just approved at the end of the authority's package."""
    package = _find(session, declaration)
    if package is None:
        package = RecommendationPackage(batch_id=declaration.batch_id, authority_id=declaration.top_authority_id,
                                        declaration_type_id=declaration.declaration_type_id,
                                        state=PackageState.DRAFT, created_at=now)
        session.add(package)
        session.flush()
    elif package.state != PackageState.DRAFT:
        raise DomainError(closed_for(session, declaration))
    last = session.scalar(select(func.max(Declaration.package_rank)).where(Declaration.package_id == package.id))
    declaration.package_id = package.id
    declaration.package_rank = (last or 0) + 1
    flag_modified(package, "state")  # touch the package: a concurrent 提交推荐 must not miss this declaration
    return package


def members(session: Session, package: RecommendationPackage) -> list[Declaration]:
    """The package's declarations in the authority's ranking."""
    return list(session.scalars(select(Declaration).where(Declaration.package_id == package.id)
                                .order_by(Declaration.package_rank, Declaration.id)))


def rank(session: Session, package: RecommendationPackage, order: Iterable[int], actor: Actor,
         now: datetime.datetime) -> None:
    """Save a new ranking: `order` lists the package's declaration ids, first first, each exactly once."""
    check_editable(package, actor)
    order = list(order)
    rows = members(session, package)
    if sorted(order) != sorted(d.id for d in rows):
        raise DomainError(N_("推荐顺序应包含本推荐中的每一项申报，且每项只出现一次，请刷新后重新排序"), kind="conflict")
    by_id = {d.id: d for d in rows}
    for position, declaration_id in enumerate(order, start=1):
        by_id[declaration_id].package_rank = position
    _log(session, package, "rank", actor, now)


def reopen(session: Session, package: RecommendationPackage, declaration: Declaration, actor: Actor,
           now: datetime.datetime, opinion: str, ip: str | None = None) -> None:
    """移出推荐: take a declaration out of an unsubmitted package and back to the authority's own review."""
    check_editable(package, actor)
    lifecycle.apply(session, declaration, "reopen", actor, Audience.REVIEWER, now=now, ip=ip, package=package,
                    opinion=opinion)
    _renumber(session, package)
    _log(session, package, "reopen", actor, now, f"{declaration.id} {declaration.unit_name}：{opinion.strip()}")


def attach(session: Session, package: RecommendationPackage, which: str, attachment: Attachment, actor: Actor,
           now: datetime.datetime) -> None:
    """Record an uploaded 推荐函 (`letter`) or stamped 汇总表 (`summary`); a new upload replaces the old one."""
    check_editable(package, actor)
    if which not in FILE_PURPOSES:
        raise DomainError(N_("未知的文件类别"), kind="not_found")
    setattr(package, f"{which}_id", attachment.id)
    _log(session, package, which, actor, now, attachment.original_name)


def submit(session: Session, package: RecommendationPackage, actor: Actor, now: datetime.datetime,
           ip: str | None = None) -> int:
    """提交推荐: every declaration of the package goes to the ministry, all in this transaction. Returns how many."""
    check_editable(package, actor)
    missing = [label for which, label in FILE_LABELS.items() if getattr(package, f"{which}_id") is None]
    if missing:
        raise DomainError(N_("请先上传%(files)s，再提交推荐"), files=tuple(missing))
    declarations = members(session, package)
    if not declarations:
        raise DomainError(N_("推荐中没有申报，不能提交"))
    with session.begin_nested():  # all of them, or none
        for declaration in declarations:
            try:
                lifecycle.apply(session, declaration, "recommend", actor, Audience.REVIEWER, now=now, ip=ip,
                                package=package)
            except DomainError:
                raise DomainError(N_("申报“%(name)s”的状态已变化，请刷新后再提交"), name=declaration.unit_name,
                                  kind="conflict")
    package.state = PackageState.SUBMITTED
    package.submitted_at = now
    _log(session, package, "submit", actor, now, N_("共 %(n)d 项") % {"n": len(declarations)})
    lifecycle.flush(session, STALE)
    return len(declarations)


def withdraw(session: Session, package: RecommendationPackage, actor: Actor, now: datetime.datetime,
             reason: str, ip: str | None = None) -> None:
    """撤回推荐: possible until the ministry has decided on any declaration of the package."""
    if actor.authority_id != package.authority_id:
        raise DomainError(N_("只能撤回本部门的推荐"), kind="not_found")
    if package.state != PackageState.SUBMITTED:
        raise DomainError(N_("推荐尚未提交，无需撤回"))
    declarations = members(session, package)
    if any(d.ministry_step != StepState.IN_REVIEW for d in declarations):  # the ministry has decided on one
        raise DomainError(N_("工信部已开始审核本推荐中的申报，不能撤回"))
    with session.begin_nested():  # all of them, or none
        for declaration in declarations:  # the reason is asked for by the transition
            lifecycle.apply(session, declaration, "unrecommend", actor, Audience.REVIEWER, now=now, ip=ip,
                            package=package, opinion=reason)
    package.state = PackageState.DRAFT
    package.submitted_at = None
    _log(session, package, "withdraw", actor, now, (reason or "").strip())
    lifecycle.flush(session, STALE)


def summary_rows(session: Session, package: RecommendationPackage) -> list[list]:
    """The 推荐汇总表's rows in ranking order, with the columns of SUMMARY_COLUMNS."""
    return [row for _, row in ranked(session, package)]


def ranked(session: Session, package: RecommendationPackage) -> list[tuple[Declaration, list]]:
    """The package's declarations in ranking order, each with its 汇总表 row."""
    rows = session.execute(
        select(Declaration, Organization.credit_code, Industry.name, *contact_columns())
        .join(Organization, Organization.id == Declaration.organization_id)
        .outerjoin(Industry, Industry.id == Declaration.industry_id)
        .where(Declaration.package_id == package.id)
        .order_by(Declaration.package_rank, Declaration.id)).all()
    places = full_names(session, [row[0].region_id for row in rows])
    table = []
    for position, (d, credit_code, industry, contact, phone) in enumerate(rows, start=1):
        table.append((d, [
            position, d.unit_name, d.title or "", credit_code, places.get(d.region_id, ""), industry or "",
            d.declaration_type.name, d.agency.name if d.agency else "", float(d.score) if d.score is not None else None,
            contact, phone, "",
        ]))
    return table


def contact_columns() -> tuple:
    """联系人 and 联系电话 as SQL (the statement joins Organization): the form's, else the organization's legal
    representative. Read inside the database, so a list of any length decodes no form."""
    return tuple(
        func.coalesce(func.nullif(Declaration.form_data[(dossier.CONTACT_SECTION, key)].as_string(), ""), fallback, "")
        for key, fallback in (("contact", Organization.legal_representative),
                              ("contact_phone", Organization.legal_representative_phone)))


def history(session: Session, package: RecommendationPackage) -> list[PackageEvent]:
    return list(session.scalars(select(PackageEvent).where(PackageEvent.package_id == package.id)
                                .order_by(PackageEvent.id)))


# --- internals -----------------------------------------------------------------------------------

def _find(session: Session, declaration: Declaration) -> RecommendationPackage | None:
    return session.scalar(select(RecommendationPackage).where(
        RecommendationPackage.batch_id == declaration.batch_id,
        RecommendationPackage.declaration_type_id == declaration.declaration_type_id,
        RecommendationPackage.authority_id == declaration.top_authority_id))


def check_editable(package: RecommendationPackage, actor: Actor) -> None:
    if actor.authority_id != package.authority_id:
        raise DomainError(N_("只能操作本部门的推荐"), kind="not_found")
    if package.state != PackageState.DRAFT:
        raise DomainError(N_("推荐已提交工信部，不能修改；如需修改请先撤回推荐"))


def _renumber(session: Session, package: RecommendationPackage) -> None:
    for position, declaration in enumerate(members(session, package), start=1):
        declaration.package_rank = position


def _log(session: Session, package: RecommendationPackage, action: str, actor: Actor, now: datetime.datetime,
         note: str | None = None) -> None:
    session.add(PackageEvent(package_id=package.id, action=action, actor_id=actor.user_id, actor_name=actor.name,
                             note=note, created_at=now))
    flag_modified(package, "state")  # every change of a package checks and bumps its version
