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

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from app.domain.places import full_names
from app.models import Batch, BatchTier, DeclarationType, ListedUnit, Region
from app.models.geo import PROVINCE
from app.vocabulary import ListingStatus

NAME_MAX = 64


@dataclass(frozen=True)
class Search:
    year: int | None = None
    tier: BatchTier | None = None
    declaration_type_id: int | None = None
    province_id: int | None = None
    name: str = ""
    status: ListingStatus | None = None

    @classmethod
    def parse(cls, args) -> "Search":
        """From query arguments as typed: anything that is not a known value is no filter (never an error)."""
        def number(key, low, high):
            try:
                value = int(str(args.get(key) or "").strip())
            except ValueError:
                return None
            return value if low <= value <= high else None

        def member(enum_cls, key):
            try:
                return enum_cls(args.get(key) or "")
            except ValueError:
                return None

        return cls(year=number("year", 1990, 2200), tier=member(BatchTier, "tier"),
                   declaration_type_id=number("type", 1, 2**31 - 1), province_id=number("province", 1, 2**31 - 1),
                   name=str(args.get("name") or "").strip()[:NAME_MAX], status=member(ListingStatus, "status"))

    def as_args(self) -> dict:
        found = {"year": self.year, "tier": self.tier.value if self.tier else None, "type": self.declaration_type_id,
                 "province": self.province_id, "name": self.name or None,
                 "status": self.status.value if self.status else None}
        return {k: v for k, v in found.items() if v is not None}


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


def _where(search: Search) -> list:
    where = []
    if search.year is not None:
        where.append(ListedUnit.year == search.year)
    if search.tier is not None:
        where.append(ListedUnit.tier == search.tier)
    if search.declaration_type_id is not None:
        where.append(ListedUnit.declaration_type_id == search.declaration_type_id)
    if search.province_id is not None:
        where.append(ListedUnit.province_id == search.province_id)
    if search.status is not None:
        where.append(ListedUnit.status == search.status)
    if search.name:
        pattern = "%" + search.name.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        where.append(or_(ListedUnit.unit_name.like(pattern, escape="\\"), ListedUnit.title.like(pattern, escape="\\")))
    return where


def count(session: Session, search: Search) -> int:
    return session.scalar(select(func.count()).select_from(ListedUnit).where(*_where(search))) or 0


def rows(session: Session, search: Search, *, offset: int = 0, limit: int | None = None,
         chunk: int = 2000) -> Iterator[Row]:
    """The units found, newest year first, then by tier, type, province and name; read in chunks so that a
    whole list streams to an export."""
    query = (select(ListedUnit.unit_name, ListedUnit.title, DeclarationType.name.label("type_name"), ListedUnit.tier,
                    ListedUnit.year, Batch.name.label("batch_name"), ListedUnit.region_id, ListedUnit.listed_on,
                    ListedUnit.status, ListedUnit.status_changed_on, ListedUnit.reason)
             .join(DeclarationType, DeclarationType.id == ListedUnit.declaration_type_id)
             .join(Batch, Batch.id == ListedUnit.batch_id)
             .where(*_where(search))
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
        "provinces": session.execute(select(Region.id, Region.name).where(Region.level == PROVINCE)
                                     .order_by(Region.code)).all(),
    }
