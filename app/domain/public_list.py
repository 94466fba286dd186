"""The public 绿色制造名单 (no login): the listed units as anyone may read them, searched by year, tier, type,
province and name, a page at a time or streamed whole to an export.

Only what a published list shows leaves here: the unit's and product's names, where it is, what, when and at
which tier it was listed, and its standing (有效 / 复核中 / 已撤销, with the date and the published reason of a
撤销). Never contact data or ids of declarations. Every query reads `listed_unit` with the batch and type it
names (one statement a page, one for the count, one for the place names), never the declarations.
"""
from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Iterator

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.domain.listing import Search, where
from app.domain.places import full_names
from app.models import Batch, BatchTier, DeclarationType, ListedUnit, Region
from app.models.geo import PROVINCE
from app.vocabulary import ListingStatus


@dataclass(frozen=True)
class Row:
    unit_name: str
    title: str | None
    type_name: str
    tier: BatchTier
    year: int
    batch: str
    place: str
    listed_on: datetime.date
    status: ListingStatus
    revoked_on: datetime.date | None  # only for 已撤销
    reason: str | None  # only for 已撤销, as published


def count(session: Session, search: Search) -> int:
    return session.scalar(select(func.count()).select_from(ListedUnit).where(*where(search))) or 0


def rows(session: Session, search: Search, *, offset: int = 0, limit: int | None = None,
         chunk: int = 2000) -> Iterator[Row]:
    """The units found, newest year first, then by tier, type, province and name; read in chunks so that a
    whole list streams to an export."""
    query = (select(ListedUnit.unit_name, ListedUnit.title, DeclarationType.name.label("type_name"), ListedUnit.tier,
                    ListedUnit.year, Batch.name.label("batch_name"), ListedUnit.region_id, ListedUnit.listed_on,
                    ListedUnit.status, ListedUnit.status_changed_on, ListedUnit.reason)
             .join(DeclarationType, DeclarationType.id == ListedUnit.declaration_type_id)
             .join(Batch, Batch.id == ListedUnit.batch_id)
             .where(*where(search))
             .order_by(ListedUnit.year.desc(), ListedUnit.tier, DeclarationType.sort, ListedUnit.province_id,
                       ListedUnit.unit_name, ListedUnit.id))
    if limit is not None:
        query = query.offset(offset).limit(limit)
    result = session.execute(query.execution_options(yield_per=chunk))
    for part in result.partitions():
        places = full_names(session, [r.region_id for r in part])
        for r in part:
            status = ListingStatus(r.status)
            revoked = status is ListingStatus.REVOKED
            yield Row(r.unit_name, r.title, r.type_name, BatchTier(r.tier), r.year, Batch.title_of(r.year, r.batch_name),
                      places.get(r.region_id, ""), r.listed_on, status,
                      r.status_changed_on if revoked else None, r.reason if revoked else None)


def choices(session: Session) -> dict:
    """What the search form offers: the years listed, the declaration types and the provinces."""
    return {
        "years": list(session.scalars(select(ListedUnit.year).distinct().order_by(ListedUnit.year.desc()))),
        "types": session.execute(select(DeclarationType.id, DeclarationType.name)
                                 .where(DeclarationType.active.is_(True)).order_by(DeclarationType.sort)).all(),
        "provinces": provinces(session),
    }


def provinces(session: Session) -> list:
    """(id, name) of every province, in code order, as the searches offer them."""
    return session.execute(select(Region.id, Region.name).where(Region.level == PROVINCE).order_by(Region.code)).all()
