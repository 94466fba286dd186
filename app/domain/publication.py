"""Publication of a batch's results (SPEC §3 item 7): 公示 for a period, then the final 名单.

The batch's owner (the ministry for a national batch, the province for its own) publishes once it has decided
on everything that reached it. 开始公示 moves every approved (拟入选) declaration of the batch to 公示中 and shows
them on a public page without login; during the period an objection can take one out (公示异议, 不予通过);
after the period 发布名单 lists the rest for good. Declarations in 公示 or in the 名单 are frozen: no transition
starts from those statuses and their content cannot be saved, so nobody can change them.
"""
from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Iterator

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.domain import DomainError, lifecycle
from app.vocabulary import DeclarationStatus as S, N_, PublicationStage
from app.domain.places import full_names
from app.domain.scope import Actor, Audience
from app.models import Batch, Declaration, DeclarationType, Publication

STALE = N_("该公示刚刚已被他人修改，本次操作未执行，请刷新后查看最新状态")
MAX_PUBLICITY_DAYS = 60


def may_manage(actor: Actor, batch: Batch) -> bool:
    return actor.authority_id is not None and actor.authority_id == batch.owner_id


def public_stage_clause(today: datetime.date):
    """The publications anyone may read: those whose publicity has begun, and every published list."""
    return (Publication.stage == PublicationStage.PUBLISHED) | (Publication.publicity_starts <= today)


def listed_status(publication: Publication) -> S:
    return S.LISTED if publication.stage == PublicationStage.PUBLISHED else S.PUBLICITY


@dataclass(frozen=True)
class BatchOverview:
    batch: Batch
    waiting: int  # still awaiting the owner's decision
    counts: dict  # {拟入选 / 公示中 / 已发布名单 status: declarations}
    publication: Publication | None


def overview(session: Session, actor: Actor) -> list[BatchOverview]:
    """The batches the actor's authority owns, newest first, with what stands between each and its list."""
    if actor.authority_id is None:
        return []
    batches = session.scalars(select(Batch).where(Batch.owner_id == actor.authority_id)
                              .order_by(Batch.year.desc(), Batch.id.desc())).all()
    ids = [b.id for b in batches]
    if not ids:
        return []
    counts: dict[int, dict] = {}
    for batch_id, status, number in session.execute(
            select(Declaration.batch_id, Declaration.status, func.count())
            .where(Declaration.batch_id.in_(ids), Declaration.status.in_([S.APPROVED, S.PUBLICITY, S.LISTED]))
            .group_by(Declaration.batch_id, Declaration.status)):
        counts.setdefault(batch_id, {})[S(status)] = number
    waiting_by_batch = dict(session.execute(
        select(Declaration.batch_id, func.count())
        .where(Declaration.pending_authority_id == actor.authority_id, Declaration.batch_id.in_(ids))
        .group_by(Declaration.batch_id)).all())
    publications = {p.batch_id: p for p in session.scalars(select(Publication).where(Publication.batch_id.in_(ids)))}
    return [BatchOverview(b, waiting_by_batch.get(b.id, 0), counts.get(b.id, {}), publications.get(b.id))
            for b in batches]


def waiting(session: Session, batch: Batch) -> int:
    """Declarations of the batch still awaiting the owner's decision: 公示 waits for them."""
    return session.scalar(select(func.count()).select_from(Declaration).where(
        Declaration.batch_id == batch.id, Declaration.pending_authority_id == batch.owner_id)) or 0


def start_publicity(session: Session, batch: Batch, actor: Actor, now: datetime.datetime, *,
                    title: str, starts: datetime.date | None, ends: datetime.date | None,
                    notice: str, ip: str | None = None) -> Publication:
    """开始公示: every 拟入选 declaration of the batch goes to 公示中, in this transaction."""
    if not may_manage(actor, batch):
        raise DomainError(N_("只有本批次的组织部门可以发布公示"))
    if session.scalar(select(Publication.id).where(Publication.batch_id == batch.id)) is not None:
        raise DomainError(N_("本批次已发布公示"))
    title = (title or "").strip()
    if not title or len(title) > 200:
        raise DomainError(N_("请填写公示标题（不超过 200 字）"), kind="invalid")
    if starts is None or ends is None:
        raise DomainError(N_("请填写公示开始日期和结束日期"), kind="invalid")
    if starts < now.date():
        raise DomainError(N_("公示开始日期不能早于今天"), kind="invalid")
    if ends < starts:
        raise DomainError(N_("公示结束日期不能早于开始日期"), kind="invalid")
    if (ends - starts).days >= MAX_PUBLICITY_DAYS:
        raise DomainError(N_("公示期不能超过 %(days)d 天"), days=MAX_PUBLICITY_DAYS, kind="invalid")
    if len(notice or "") > 2000:
        raise DomainError(N_("公示说明不能超过 2000 字"), kind="invalid")
    if (count := waiting(session, batch)):
        raise DomainError(N_("本批次还有 %(n)d 项申报待审核，全部审核后才能公示"), n=count)
    declarations = session.scalars(select(Declaration).where(
        Declaration.batch_id == batch.id, Declaration.status == S.APPROVED)).all()
    if not declarations:
        raise DomainError(N_("本批次没有审核通过（拟入选）的申报，无需公示"))
    publication = Publication(batch_id=batch.id, stage=PublicationStage.PUBLICITY, title=title,
                              notice=(notice or "").strip() or None, publicity_starts=starts,
                              publicity_ends=ends, created_by_id=actor.user_id, created_at=now)
    session.add(publication)
    _take(session, declarations, "publicize", actor, now, publication, ip)
    lifecycle.flush(session, STALE)
    return publication


def object_to(session: Session, publication: Publication, declaration: Declaration, actor: Actor,
              now: datetime.datetime, opinion: str, ip: str | None = None) -> None:
    """公示异议: during 公示, take one declaration out of the list with the reason (不予通过)."""
    if not may_manage(actor, publication.batch):
        raise DomainError(N_("只有本批次的组织部门可以处理公示异议"))
    if publication.stage != PublicationStage.PUBLICITY:
        raise DomainError(N_("名单已发布，不能再处理公示异议"))
    if declaration.batch_id != publication.batch_id or declaration.status != S.PUBLICITY:
        raise DomainError(N_("该申报不在本次公示中"), kind="not_found")
    lifecycle.apply(session, declaration, "object", actor, Audience.REVIEWER, now=now, ip=ip,
                    publication=publication, opinion=opinion)
    lifecycle.flush(session, STALE)


def publish(session: Session, publication: Publication, actor: Actor, now: datetime.datetime,
            ip: str | None = None) -> int:
    """发布名单: after the publicity period, the declarations still in 公示 become the final list."""
    if not may_manage(actor, publication.batch):
        raise DomainError(N_("只有本批次的组织部门可以发布名单"))
    if publication.stage != PublicationStage.PUBLICITY:
        raise DomainError(N_("名单已发布"))
    if now.date() <= publication.publicity_ends:
        raise DomainError(N_("公示期至 %(date)s 结束，公示期满后才能发布名单"),
                          date=publication.publicity_ends.isoformat())
    declarations = session.scalars(select(Declaration).where(
        Declaration.batch_id == publication.batch_id, Declaration.status == S.PUBLICITY)).all()
    _take(session, declarations, "publish", actor, now, publication, ip)
    publication.stage = PublicationStage.PUBLISHED
    publication.published_on = now.date()
    lifecycle.flush(session, STALE)
    return len(declarations)


@dataclass(frozen=True)
class Entry:
    id: int
    unit_name: str
    title: str | None
    region: str
    type_name: str


def entries(session: Session, publication: Publication, *, declaration_type_id: int | None = None,
            offset: int = 0, limit: int | None = None, chunk: int = 2000) -> Iterator[Entry]:
    """单位名称, 地区, 类型 of what the publication shows, ordered by type, then province, then name;
    read in chunks so that a whole list streams to an export."""
    query = (
        select(Declaration.id, Declaration.unit_name, Declaration.title, Declaration.region_id,
               DeclarationType.name.label("type_name"))
        .join(DeclarationType, DeclarationType.id == Declaration.declaration_type_id)
        .where(*_listed(publication, declaration_type_id))
        .order_by(DeclarationType.sort, Declaration.province_id, Declaration.unit_name, Declaration.id)
    )
    if limit is not None:
        query = query.offset(offset).limit(limit)
    rows = session.execute(query.execution_options(yield_per=chunk))
    for part in rows.partitions():
        places = full_names(session, [row.region_id for row in part])
        for row in part:
            yield Entry(row.id, row.unit_name, row.title, places.get(row.region_id, ""), row.type_name)


def entry_count(session: Session, publication: Publication, declaration_type_id: int | None = None) -> int:
    return session.scalar(select(func.count()).select_from(Declaration)
                          .where(*_listed(publication, declaration_type_id))) or 0


def listed_types(session: Session, publication: Publication) -> list:
    """(id, name) of the declaration types the publication lists, in menu order: the public page's filter."""
    return session.execute(
        select(DeclarationType.id, DeclarationType.name)
        .join(Declaration, Declaration.declaration_type_id == DeclarationType.id).where(*_listed(publication, None))
        .group_by(DeclarationType.id, DeclarationType.name, DeclarationType.sort).order_by(DeclarationType.sort)).all()


def approved_by_type(session: Session, batch: Batch) -> list:
    """(type name, count) of the batch's declarations decided 拟入选, shown before its publicity starts."""
    return session.execute(
        select(DeclarationType.name, func.count())
        .join(Declaration, Declaration.declaration_type_id == DeclarationType.id)
        .where(Declaration.batch_id == batch.id, Declaration.status == S.APPROVED)
        .group_by(DeclarationType.name, DeclarationType.sort).order_by(DeclarationType.sort)).all()


def _listed(publication: Publication, declaration_type_id: int | None) -> list:
    """What the publication shows: the batch's declarations in its stage's status, of one type if given."""
    where = [Declaration.batch_id == publication.batch_id, Declaration.status == listed_status(publication)]
    if declaration_type_id is not None:
        where.append(Declaration.declaration_type_id == declaration_type_id)
    return where


def _take(session: Session, declarations, name: str, actor: Actor, now: datetime.datetime,
          publication: Publication, ip: str | None) -> None:
    """The publication's transition for each of its declarations: all of them, or none."""
    with session.begin_nested():
        for declaration in declarations:
            lifecycle.apply(session, declaration, name, actor, Audience.REVIEWER, now=now, ip=ip,
                            publication=publication)
