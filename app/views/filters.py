"""The reviewer's filter bar: 待我审核 by default, then status, batch, type, region, industry and dates.

Plain GET parameters (FAB keeps them across pages and sorting); unknown or malformed values are ignored.
The region filter offers the reviewer's own area only, one select per level below it (the ministry: province,
city, county; a group or association: province, city; a province: its cities and counties; a city: its
counties), the next select filled by `/review/declarations/regions/?parent=<id>` (static/js/review-filter.js).
A region outside the area gives an empty list, never other data.
"""
from __future__ import annotations

import datetime
from typing import NamedTuple, Optional

from flask import g, request
from flask_appbuilder.models.filters import BaseFilter
from flask_babel import gettext, lazy_gettext as _l
from markupsafe import Markup, escape
from sqlalchemy import false, or_, select

from app.domain.scope import Actor, acting_authority, unindexed
from app.vocabulary import DeclarationStatus
from app.extensions import db
from app.models import AuthorityKind, Batch, Declaration, DeclarationType, Industry, Region
from app.models.geo import CITY, COUNTY, PROVINCE
from app.web.ids import as_id
from app.views.cache import reference


def _date(text: str | None) -> datetime.date | None:
    try:
        return datetime.date.fromisoformat(text or "")
    except ValueError:
        return None


def param_id(text: str | None) -> int | None:
    """A GET parameter as an id, or None for anything else."""
    return as_id(text)


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
        region, outside = chosen_region(args, reviewer_area())
        if outside:
            query = query.filter(false())
        elif region is not None:  # the region and everything under it: a city's counties, a province's all
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
        lists = {
            "status": [(s.value, gettext(s.label)) for s in DeclarationStatus],
            "batch": batch_choices(),
            "type": type_choices(),
            "industry": reference("industry options", lambda: [(code, f"{code} {name}") for code, name in _rows(
                select(Industry.code, Industry.name).where(Industry.level == 2).order_by(Industry.code))]),
        }
        area = reviewer_area()
        region, _ = chosen_region(request.args, area)
        return {"options": {name: option_tags(pairs, request.args.get(name, "")) for name, pairs in lists.items()},
                "region_selects": region_selects(area, region), "region_root": area.root or ""}

    @staticmethod
    def children(parent: int | None) -> list[dict]:
        """The next select's options under `parent`, if it lies in the reviewer's area and a select below it
        is offered: [{"id", "name", "level"}], a province's cities and its counties outside any city."""
        area, tree = reviewer_area(), region_tree()
        node = tree.nodes.get(parent)
        if node is None or not area.covers(parent, tree) or not any(level > node.level for level in area.levels):
            return []
        return [{"id": pk, "name": tree.nodes[pk].name, "level": tree.nodes[pk].level}
                for pk in tree.children.get(parent, ()) if tree.nodes[pk].level in area.levels]


# --- the region filter ------------------------------------------------------------------------------------

REGION_SELECTS = {PROVINCE: ("province", _l("省份")), CITY: ("city", _l("地市")), COUNTY: ("county", _l("区县"))}


class RegionNode(NamedTuple):
    name: str
    parent_id: Optional[int]
    level: int
    province_id: Optional[int]


class RegionTree(NamedTuple):
    nodes: dict  # id → RegionNode
    children: dict  # parent id (None: the provinces) → child ids in code order

    def ancestors(self, pk: int) -> list[int]:
        """`pk` and the regions above it, nearest first."""
        chain = []
        while pk is not None and pk in self.nodes:
            chain.append(pk)
            pk = self.nodes[pk].parent_id
        return chain


def region_tree() -> RegionTree:
    """Every region (about 3,200), shared per process for a minute: the filter bar reads no region row."""
    def load():
        nodes, children = {}, {}
        for pk, name, parent, level, province in _rows(select(
                Region.id, Region.name, Region.parent_id, Region.level, Region.province_id).order_by(Region.code)):
            nodes[pk] = RegionNode(name, parent, level, province)
            children.setdefault(parent, []).append(pk)
        return RegionTree(nodes, children)
    return reference("region tree", load)


class Area(NamedTuple):
    """Where a reviewer's declarations lie: `root` (None: the whole country) and the levels it filters by."""

    root: Optional[int]
    levels: tuple

    def covers(self, pk: int | None, tree: RegionTree) -> bool:
        return pk in tree.nodes and (self.root is None or self.root in tree.ancestors(pk))


def reviewer_area() -> Area:
    """The ministry: the country by province, city, county; a group or association (its declarations come from
    anywhere): by province and city; a province, city or county authority: its own region by the levels below
    it (深圳, which reviews as a province from a city, by county)."""
    authority = acting_authority(g.user)
    if authority is None:
        return Area(None, ())
    kind = AuthorityKind(authority.kind)
    if kind is AuthorityKind.MINISTRY:
        return Area(None, (PROVINCE, CITY, COUNTY))
    if kind in (AuthorityKind.GROUP, AuthorityKind.ASSOCIATION):
        return Area(None, (PROVINCE, CITY))
    node = region_tree().nodes.get(authority.region_id)
    if node is None:
        return Area(-1, ())  # an authority without a region filters by none (and refuses any)
    return Area(authority.region_id, tuple(level for level in (CITY, COUNTY) if level > node.level))


def chosen_region(args, area: Area) -> tuple[int | None, bool]:
    """(the region to filter by, whether a region outside the area was asked for). The deepest of province,
    city and county that lies under the ones before it, so a county left from another city is dropped; a
    single deeper id (a dashboard link's city=<county>) is taken as it is."""
    tree, chosen = region_tree(), None
    for name, _ in REGION_SELECTS.values():
        value = param_id(args.get(name))
        if value is None:
            continue
        if not area.covers(value, tree):
            return None, True
        if chosen is not None and chosen not in tree.ancestors(value):
            break
        chosen = value
    return chosen, False


def region_selects(area: Area, chosen: int | None) -> list[dict]:
    """One select per level of the area: its name, label and <option>s (the chosen region's line selected). A
    level's options are the regions of that level under the choice above it, or under the area's root; the
    counties outside any city (直辖市 districts, 省直辖县级) are offered while no city is chosen."""
    tree = region_tree()
    line = {tree.nodes[pk].level: pk for pk in tree.ancestors(chosen)} if chosen is not None else {}
    root_level = tree.nodes[area.root].level if area.root in tree.nodes else 0
    if area.root is not None:
        line[root_level] = area.root
    selects = []
    for level in area.levels:
        # the provinces hang from None; a lower level from the nearest choice above it, and without one is empty
        parent = next((line[above] for above in range(level - 1, 0, -1) if above in line), -1) \
            if level > PROVINCE else None
        options = [(pk, tree.nodes[pk].name) for pk in tree.children.get(parent, ()) if tree.nodes[pk].level == level]
        name, label = REGION_SELECTS[level]
        selects.append({"name": name, "label": label, "level": level,
                        "options": option_tags(options, str(line.get(level, "")) if level > root_level else "")})
    return selects


def option_tags(pairs, current: str) -> Markup:
    """<option>s for (value, text) pairs, the one whose value is `current` selected; empty for no pairs."""
    return Markup("".join(
        f'<option value="{escape(value)}"{" selected" if str(value) == current else ""}>{escape(text)}</option>'
        for value, text in pairs))


def _rows(statement) -> list:
    return db.session.execute(statement).all()

