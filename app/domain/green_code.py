"""企业绿码 (SPEC §7): a grade A+ / A / B per national green factory and year, from its filed indicators among
the units of the same industry.

Input: the filing helper's entries, one per unit, `{"listed_unit_id", "industry_id", "score", "indicators":
[{"key", "label", "value", "score", "max"}]}`; this module never reads filings itself.

The rules, each in one place here:
- **Peers**: the units of one industry (`industry_id`; units without one are peers of each other) in the entries.
  Units whose listing is 已撤销 are left out: they are no longer on the list.
- **Order**: by total score (to 0.01), higher first; equal totals by the number of indicators at full marks
  (score ≥ max), more first. Units equal on both are tied: they share a rank (1 + the number of strictly better
  peers) and a grade. `listed_unit_id` only orders tied units on pages; it never decides a grade.
- **Counts**: of N peers, A+ go to the first round(N × A+%) positions and A or better to the first
  round(N × (A+% + A%)) positions, rounding halves up, on the cumulative shares (so the three counts always add up
  to N, and each boundary is within half a unit of its share). Small industries: 1 unit → B (0.05 and 0.4 of a
  unit round to none), 2 → A, B; 3 → A, B, B; A+ needs at least 10 peers at 5%.
- **Ties at a boundary**: a tied group takes the grade of the position of its first member, so ties never split
  and may take the better grade beyond its share.
- **Explanation**: each indicator with the unit's share of its maximum, the industry's average share and the
  difference, the largest differences first: which indicators lifted or held it back.
- **Shares**: the year's row of `green_code_share` (set in the console), else its row without a year, else
  5 / 35 / 60; three whole percentages adding up to 100.
Recomputing a year replaces that year's grades of the type: the result depends on the entries only, not on their
order nor on what was computed before.
"""
from __future__ import annotations

import datetime
import math
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from app.domain import DomainError, ErrorKind
from app.models import BatchTier, GreenCode, GreenCodeShare, ListedUnit
from app.vocabulary import ListingStatus, N_

GRADES = ("A+", "A", "B")
DEFAULT_SHARES = (5, 35, 60)
CENT = Decimal("0.01")


def validate_shares(shares) -> tuple[int, int, int]:
    """Three whole percentages, none negative, adding up to 100; otherwise a refusal that says so."""
    try:
        values = tuple(int(v) for v in shares)
        exact = all(Decimal(str(v)) == int(v) for v in shares)
    except (TypeError, ValueError, InvalidOperation):
        values, exact = (), False
    if len(values) != 3 or not exact or any(v < 0 or v > 100 for v in values):
        raise DomainError(N_("A+、A、B 三档比例须为 0 至 100 的整数"), kind=ErrorKind.INVALID)
    if sum(values) != 100:
        raise DomainError(N_("A+、A、B 三档比例之和须为 100%%（现为 %(total)d%%）"), total=sum(values),
                          kind=ErrorKind.INVALID)
    return values


def shares_for(session: Session, year: int) -> tuple[int, int, int]:
    rows = {row.year: row for row in session.scalars(select(GreenCodeShare).where(
        (GreenCodeShare.year == year) | GreenCodeShare.year.is_(None)))}
    row = rows.get(year) or rows.get(None)
    return (row.a_plus, row.a, row.b) if row else DEFAULT_SHARES


def counts(peers: int, shares) -> tuple[int, int, int]:
    """How many of `peers` positions are A+, A and B (the rounding rule above), in integers only."""
    a_plus, a, _ = shares
    top = (2 * peers * a_plus + 100) // 200
    upper = (2 * peers * (a_plus + a) + 100) // 200
    return top, upper - top, peers - upper


@dataclass(frozen=True)
class Placed:
    listed_unit_id: int
    industry_id: int | None
    grade: str
    rank: int
    peers: int
    score: Decimal
    indicators: list


def _score(value, what: str) -> Decimal:
    try:
        number = Decimal(str(value)).quantize(CENT, rounding=ROUND_HALF_UP)
    except (InvalidOperation, ValueError):
        raise DomainError(N_("企业绿码数据有误：%(what)s 不是数字"), what=what, kind=ErrorKind.INVALID)
    if not number.is_finite() or number < 0 or number > Decimal("99999.99"):
        raise DomainError(N_("企业绿码数据有误：%(what)s 不是数字"), what=what, kind=ErrorKind.INVALID)
    return number


def _indicators(entry: dict, unit_id: int) -> list[dict]:
    found = []
    for item in entry.get("indicators") or []:
        key = str(item.get("key") or "")
        maximum = _score(item.get("max"), f"{unit_id}/{key}/max")
        value = item.get("value")  # as filed; a Decimal from the filings is kept as its text
        found.append({"key": key, "label": str(item.get("label") or key),
                      "value": f"{value:f}" if isinstance(value, Decimal) else value,
                      "score": float(_score(item.get("score"), f"{unit_id}/{key}/score")), "max": float(maximum)})
    return found


def _full_marks(indicators: list[dict]) -> int:
    return sum(1 for i in indicators if i["max"] > 0 and i["score"] >= i["max"])


def place(entries: list[dict], shares=DEFAULT_SHARES) -> list[Placed]:
    """The grades of `entries` (already checked), industry by industry; pure, so tests can call it directly."""
    shares = validate_shares(shares)
    by_industry: dict = {}
    for entry in entries:
        by_industry.setdefault(entry["industry_id"], []).append(entry)
    placed = []
    for industry_id in sorted(by_industry, key=lambda i: (i is None, i or 0)):
        peers = by_industry[industry_id]
        key = {e["listed_unit_id"]: (-e["score"], -_full_marks(e["indicators"])) for e in peers}
        ordered = sorted(peers, key=lambda e: (key[e["listed_unit_id"]], e["listed_unit_id"]))
        top, a_count, _ = counts(len(ordered), shares)
        means = _means(ordered)
        first_of: dict = {}  # a tie group's key → the position of its first member
        for position, entry in enumerate(ordered):
            first_of.setdefault(key[entry["listed_unit_id"]], position)
        for entry in ordered:
            first = first_of[key[entry["listed_unit_id"]]]
            grade = GRADES[0] if first < top else GRADES[1] if first < top + a_count else GRADES[2]
            placed.append(Placed(entry["listed_unit_id"], industry_id, grade, first + 1, len(ordered),
                                 entry["score"], _explained(entry["indicators"], means)))
    return placed


def _ratio(item: dict) -> float:
    return item["score"] / item["max"] if item["max"] > 0 else 0.0


def _means(peers: list[dict]) -> dict[str, float]:
    sums: dict[str, list[float]] = {}
    for entry in peers:
        for item in entry["indicators"]:
            sums.setdefault(item["key"], []).append(_ratio(item))
    return {key: math.fsum(values) / len(values) for key, values in sums.items()}


def _explained(indicators: list[dict], means: dict[str, float]) -> list[dict]:
    rows = [{**item, "ratio": round(_ratio(item), 4), "industry_ratio": round(means[item["key"]], 4),
             "difference": round(_ratio(item) - means[item["key"]], 4)} for item in indicators]
    return sorted(rows, key=lambda r: (-abs(r["difference"]), r["key"]))


def recompute(session: Session, *, year: int, declaration_type_id: int, entries: list[dict],
              now: datetime.datetime, shares=None) -> list[GreenCode]:
    """Grade the year's national green factories of the type from `entries`, replacing the year's grades."""
    shares = validate_shares(shares if shares is not None else shares_for(session, year))
    checked, seen = [], set()
    ids = {int(e["listed_unit_id"]) for e in entries if str(e.get("listed_unit_id", "")).isdigit()}
    units = {u.id: u for u in session.scalars(select(ListedUnit).where(ListedUnit.id.in_(ids)))} if ids else {}
    for entry in entries:
        unit = units.get(int(entry["listed_unit_id"])) if str(entry.get("listed_unit_id", "")).isdigit() else None
        if unit is None or unit.tier != BatchTier.NATIONAL or unit.declaration_type_id != declaration_type_id:
            raise DomainError(N_("企业绿码数据有误：%(id)s 不是本类型的国家级名单单位"),
                              id=str(entry.get("listed_unit_id")), kind=ErrorKind.INVALID)
        if unit.id in seen:
            raise DomainError(N_("企业绿码数据有误：名单单位 %(id)s 出现了两次"), id=unit.id, kind=ErrorKind.INVALID)
        seen.add(unit.id)
        if unit.status == ListingStatus.REVOKED:
            continue
        industry = entry.get("industry_id")
        if industry is not None and not str(industry).isdigit():
            raise DomainError(N_("企业绿码数据有误：%(what)s 不是数字"), what=f"{unit.id}/industry_id",
                              kind=ErrorKind.INVALID)
        checked.append({"listed_unit_id": unit.id, "industry_id": int(industry) if industry is not None else None,
                        "score": _score(entry.get("score"), str(unit.id)), "indicators": _indicators(entry, unit.id)})
    session.execute(delete(GreenCode).where(GreenCode.year == year,
                                            GreenCode.declaration_type_id == declaration_type_id))
    rows = [GreenCode(listed_unit_id=p.listed_unit_id, year=year, declaration_type_id=declaration_type_id,
                      industry_id=p.industry_id, grade=p.grade, rank=p.rank, peers=p.peers, score=p.score,
                      indicators=p.indicators, shares=list(shares), computed_at=now)
            for p in place(checked, shares)]
    session.add_all(rows)
    session.flush()
    return rows


def of_unit(session: Session, unit: ListedUnit) -> list[GreenCode]:
    """The unit's grades, the latest year first."""
    return list(session.scalars(select(GreenCode).where(GreenCode.listed_unit_id == unit.id)
                                .order_by(GreenCode.year.desc())))


WEIGHED = 5  # the indicators a page names as having weighed most
