"""The reviewer's filter bar: 待我审核 by default, then status, batch, type, region, industry and dates.

Plain GET parameters (FAB keeps them across pages and sorting); unknown or malformed values are ignored.
"""
from __future__ import annotations

import datetime

from flask import g, request
from flask_appbuilder.models.filters import BaseFilter
from flask_babel import gettext, lazy_gettext as _l
from markupsafe import Markup, escape
from sqlalchemy import or_, select

from app.domain.scope import Actor, unindexed
from app.domain.states import DeclarationStatus
from app.extensions import db
from app.models import AuthorityKind, Batch, Declaration, DeclarationType, Industry, Region
from app.views.cache import reference


def _date(text: str | None) -> datetime.date | None:
    try:
        return datetime.date.fromisoformat(text or "")
    except ValueError:
        return None


def param_id(text: str | None) -> int | None:
    """A GET parameter as an id, or None for anything else."""
    return int(text) if text and text.isascii() and text.isdigit() and len(text) < 10 else None


def batch_choices() -> list:
    """(id, 2026年度 name) of every batch, newest year first, shared per process for a minute."""
    return reference("batch options", lambda: [(i, Batch.title_of(year, name)) for i, year, name in _rows(
        select(Batch.id, Batch.year, Batch.name).order_by(Batch.year.desc()))])


def type_choices() -> list:
    """(id, name) of every declaration type in menu order, shared per process for a minute."""
    return reference("type options", lambda: _rows(select(DeclarationType.id, DeclarationType.name)
                                                    .order_by(DeclarationType.sort)))


def _narrowing(column, national: bool):
    """A regional scope is read through its own index, and a batch or type only narrows that range."""
    return column if national else unindexed(db.session, column)


class DeclarationFilterBar(BaseFilter):
    name = _l("筛选")

    def apply(self, query, value):
        args = request.args
        if args.get("tab", "pending") == "pending":
            query = query.filter(Declaration.pending_authority_id == Actor.of(g.user).authority_id)
        if args.get("status") in DeclarationStatus._value2member_map_:
            query = query.filter(Declaration.status == args["status"])
        national = Actor.of(g.user).authority_kind is AuthorityKind.MINISTRY
        if batch := param_id(args.get("batch")):
            query = query.filter(_narrowing(Declaration.batch_id, national) == batch)
        if declaration_type := param_id(args.get("type")):
            query = query.filter(_narrowing(Declaration.declaration_type_id, national) == declaration_type)
        if region := param_id(args.get("city")) or param_id(args.get("province")):
            inside = select(Region.id).where(or_(Region.id == region, Region.parent_id == region,
                                                 Region.province_id == region))
            query = query.filter(Declaration.region_id.in_(inside))
        if (division := args.get("industry", "")) and len(division) == 2 and division.isdigit():
            query = query.filter(Declaration.industry_id.in_(
                select(Industry.id).where(Industry.code.startswith(division))))
        if start := _date(args.get("from")):
            query = query.filter(Declaration.submitted_at >= datetime.datetime.combine(start, datetime.time.min))
        if end := _date(args.get("to")):
            query = query.filter(Declaration.submitted_at < datetime.datetime.combine(end, datetime.time.min)
                                 + datetime.timedelta(days=1))
        return query

    @staticmethod
    def choices() -> dict:
        """Each select's <option>s, with the one in the URL selected, built here (a Jinja loop over the 150 of
        them was an eighth of the page's time)."""
        province = param_id(request.args.get("province"))
        lists = {
            "status": [(s.value, gettext(s.label)) for s in DeclarationStatus],
            "batch": batch_choices(),
            "type": type_choices(),
            "province": reference("province options", lambda: _rows(
                select(Region.id, Region.name).where(Region.level == 1).order_by(Region.code))),
            "city": _rows(select(Region.id, Region.name).where(Region.parent_id == province, Region.level == 2)
                          .order_by(Region.code)) if province else [],
            "industry": reference("industry options", lambda: [(code, f"{code} {name}") for code, name in _rows(
                select(Industry.code, Industry.name).where(Industry.level == 2).order_by(Industry.code))]),
        }
        return {"options": {name: option_tags(pairs, request.args.get(name, "")) for name, pairs in lists.items()}}


def option_tags(pairs, current: str) -> Markup:
    """<option>s for (value, text) pairs, the one whose value is `current` selected; empty for no pairs."""
    return Markup("".join(
        f'<option value="{escape(value)}"{" selected" if str(value) == current else ""}>{escape(text)}</option>'
        for value, text in pairs))


def _rows(statement) -> list:
    return db.session.execute(statement).all()

