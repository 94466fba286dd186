"""企业绿码: grades on generated data (shares within rounding, order of input irrelevant, ties kept together),
small industries, the stored rows and their replacement, the shares' checks."""
import datetime
import random
import uuid
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st
from sqlalchemy import select

from app.domain import DomainError, green_code as gc, recheck as rc
from app.extensions import db
from app.models import GreenCode, GreenCodeShare
from tests import factories as f

NOW = f.NOW
KEYS = ("energy", "water", "waste", "carbon")


def entry(unit_id, industry, score, marks=()):
    return {"listed_unit_id": unit_id, "industry_id": industry, "score": Decimal(score).quantize(gc.CENT),
            "indicators": [{"key": k, "label": k, "value": None, "score": float(m), "max": 10.0}
                           for k, m in zip(KEYS, marks)]}


shares_st = st.tuples(st.integers(0, 100), st.integers(0, 100)).filter(lambda t: t[0] + t[1] <= 100).map(
    lambda t: (t[0], t[1], 100 - t[0] - t[1]))
industry_st = st.lists(st.tuples(st.integers(1, 3), st.integers(0, 400), st.lists(st.integers(0, 10), max_size=4)),
                       min_size=1, max_size=60)


def entries_of(rows):
    return [entry(i + 1, industry, Decimal(score) / 4, marks) for i, (industry, score, marks) in enumerate(rows)]


@settings(max_examples=200, deadline=None)
@given(industry_st, shares_st, st.randoms(use_true_random=False))
def test_grades_respect_the_shares_and_ignore_input_order(rows, shares, rnd):
    entries = entries_of(rows)
    placed = gc.place(entries, shares)
    shuffled = entries[:]
    rnd.shuffle(shuffled)
    assert sorted(gc.place(shuffled, shares), key=lambda p: p.listed_unit_id) == \
        sorted(placed, key=lambda p: p.listed_unit_id)
    for industry in {e["industry_id"] for e in entries}:
        mine = [p for p in placed if p.industry_id == industry]
        n = len(mine)
        top, a, b = gc.counts(n, shares)
        assert top + a + b == n
        assert abs(top - n * shares[0] / 100) <= 0.5 and abs(top + a - n * (shares[0] + shares[1]) / 100) <= 0.5
        got = {g: sum(1 for p in mine if p.grade == g) for g in gc.GRADES}
        # ties take the better grade at a boundary: A+ and A-or-better may exceed their counts only by a tie
        assert got["A+"] >= top and got["A+"] + got["A"] >= top + a
        key = {e["listed_unit_id"]: (e["score"], gc._full_marks(gc._indicators(e, 0))) for e in entries}
        by_key = {}
        for p in mine:
            by_key.setdefault(key[p.listed_unit_id], set()).add((p.grade, p.rank))
        assert all(len(v) == 1 for v in by_key.values()), "tied units share one rank and one grade"
        distinct = len(by_key) == n
        if distinct:
            assert (got["A+"], got["A"], got["B"]) == (top, a, b)
        for p in mine:  # rank: 1 + the peers strictly better
            better = sum(1 for q in mine if key[q.listed_unit_id] > key[p.listed_unit_id])
            assert p.rank == better + 1 and p.peers == n
        order = {"A+": 0, "A": 1, "B": 2}
        for p in mine:  # a better unit never has a worse grade
            for q in mine:
                if key[p.listed_unit_id] > key[q.listed_unit_id]:
                    assert order[p.grade] <= order[q.grade]


def test_small_industries_and_the_rounding_rule():
    assert [gc.counts(n, (5, 35, 60)) for n in (0, 1, 2, 3, 9, 10, 20, 100)] == [
        (0, 0, 0), (0, 0, 1), (0, 1, 1), (0, 1, 2), (0, 4, 5), (1, 3, 6), (1, 7, 12), (5, 35, 60)]
    one = gc.place([entry(1, 7, 90)])
    assert [(p.grade, p.rank, p.peers) for p in one] == [("B", 1, 1)]
    three = gc.place([entry(1, 7, 70), entry(2, 7, 95), entry(3, 7, 80)])
    assert [(p.listed_unit_id, p.grade, p.rank) for p in three] == [(2, "A", 1), (3, "B", 2), (1, "B", 3)]


def test_ties_are_broken_by_full_marks_then_shared():
    placed = gc.place([entry(1, 1, 80, (10, 5)), entry(2, 1, 80, (10, 10)), entry(3, 1, 80, (10, 5)),
                       entry(4, 1, 60)])
    assert [(p.listed_unit_id, p.grade, p.rank) for p in placed] == [(2, "A", 1), (1, "A", 2), (3, "A", 2),
                                                                   (4, "B", 4)]


def test_the_explanation_names_the_indicators_that_weighed():
    placed = gc.place([entry(1, 1, 90, (10, 2, 9)), entry(2, 1, 50, (4, 8, 9))])
    first = placed[0].indicators
    assert [(i["key"], i["difference"]) for i in first] == [("energy", 0.3), ("water", -0.3), ("waste", 0.0)]
    assert first[0]["ratio"] == 1.0 and first[0]["industry_ratio"] == 0.7


@pytest.mark.parametrize("shares, message", [
    ((5, 35, 50), "之和须为 100%（现为 90%）"), ((5, 35), "整数"), ((-5, 45, 60), "整数"), ((5.5, 34.5, 60), "整数"),
    (("a", 1, 99), "整数")])
def test_shares_must_be_whole_and_add_up_to_100(shares, message):
    with pytest.raises(DomainError, match=message.replace("(", r"\(").replace(")", r"\)")):
        gc.validate_shares(shares)
    assert gc.validate_shares(("10", 30, 60)) == (10, 30, 60)


def national_units(count):
    units = []
    for _ in range(count):
        org = f.make_organization(f"绿码测试{uuid.uuid4().hex[:6]}有限公司", "130102", uuid.uuid4().hex[:8].upper())
        units.append(f.listed_unit(org, (None, None, f.authority("province", "130000"))))
    return units


def test_recompute_stores_a_row_per_unit_and_replaces_the_year(db_session):
    units = national_units(4)
    type_id = units[0].declaration_type_id
    year = 2990 + random.randint(0, 8)
    entries = [{"listed_unit_id": u.id, "industry_id": None, "score": s,
                "indicators": [{"key": "energy", "label": "单位产品能耗", "value": v, "score": s / 10, "max": 10}]}
               for u, s, v in zip(units, (91.5, 80, 70.25, 60), (0.8, 1.0, 1.1, 1.3))]
    rows = gc.recompute(db_session, year=year, declaration_type_id=type_id, entries=entries, now=NOW,
                        shares=(25, 25, 50))
    stored = db_session.scalars(select(GreenCode).where(GreenCode.year == year).order_by(GreenCode.rank)).all()
    assert [(r.listed_unit_id, r.grade, r.rank, r.peers, r.score) for r in stored] == [
        (units[0].id, "A+", 1, 4, Decimal("91.50")), (units[1].id, "A", 2, 4, Decimal("80.00")),
        (units[2].id, "B", 3, 4, Decimal("70.25")), (units[3].id, "B", 4, 4, Decimal("60.00"))]
    assert len(rows) == 4 and stored[0].indicators[0]["label"] == "单位产品能耗" and stored[0].shares == [25, 25, 50]
    assert stored[0].computed_at == NOW
    # 撤销 leaves a unit out; recomputing replaces the year's rows
    rc.apply(db_session, units[0].id, "recheck", f.actor_of("gongxinbu"), now=NOW, opinion="抽查")
    rc.apply(db_session, units[0].id, "revoke", f.actor_of("gongxinbu"), now=NOW, opinion="数据造假")
    later = NOW + datetime.timedelta(hours=1)
    gc.recompute(db_session, year=year, declaration_type_id=type_id, entries=list(reversed(entries)), now=later,
                 shares=(25, 25, 50))
    stored = db_session.scalars(select(GreenCode).where(GreenCode.year == year).order_by(GreenCode.rank)).all()
    assert [(r.listed_unit_id, r.grade, r.rank, r.peers) for r in stored] == [
        (units[1].id, "A+", 1, 3), (units[2].id, "A", 2, 3), (units[3].id, "B", 3, 3)]  # 0.75, 1.5 round up
    assert {r.computed_at for r in stored} == {later}
    assert [c.year for c in gc.of_unit(db_session, units[1])][0] == year


def test_recompute_refuses_what_is_not_a_national_unit_of_the_type(db_session):
    unit = national_units(1)[0]
    good = {"listed_unit_id": unit.id, "industry_id": 1, "score": 80, "indicators": []}
    for entries, message in (([{**good, "listed_unit_id": 10**9}], "不是本类型的国家级名单单位"),
                             ([good, good], "出现了两次"), ([{**good, "score": "高"}], "不是数字"),
                             ([{**good, "score": "NaN"}], "不是数字"), ([{**good, "industry_id": "x"}], "不是数字")):
        with pytest.raises(DomainError, match=message):
            gc.recompute(db_session, year=2999, declaration_type_id=unit.declaration_type_id, entries=entries,
                         now=NOW)
    with pytest.raises(DomainError, match="不是本类型"):
        gc.recompute(db_session, year=2999, declaration_type_id=unit.declaration_type_id + 1000, entries=[good],
                     now=NOW)


def test_the_shares_of_a_year_then_the_default(db_session):
    assert gc.shares_for(db_session, 2980) == (5, 35, 60)  # the migration's default row
    db_session.add(GreenCodeShare(year=2980, a_plus=10, a=30, b=60))
    db_session.flush()
    assert gc.shares_for(db_session, 2980) == (10, 30, 60) and gc.shares_for(db_session, 2981) == (5, 35, 60)
