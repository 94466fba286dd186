"""数据看板 (issue #7): every number on the page equals a count made here, row by row in Python, over the
same scope; another province's declarations never count; the page costs a fixed number of statements,
all of them aggregates; only reviewers may open it."""
from __future__ import annotations

import datetime
import re
from collections import Counter, defaultdict
from html.parser import HTMLParser

import pytest
from sqlalchemy import delete, select

from app import clock
from app.domain import dashboard, figures
from app.vocabulary import DeclarationStatus, ReviewLevel, StepState
from app.extensions import db
from app.models import (
    Authority,
    AuthorityKind,
    Batch,
    BatchWindow,
    Declaration,
    DeclarationType,
    Organization,
    Region,
    ReviewStep,
)
from tests import factories as f
from tests.http.test_list_queries import counting

URL = "/dashboard/"
REVIEWERS = ["changan", "shijiazhuang", "hebeisheng", "jituan", "xiehui", "gongxinbu"]
STEP_COLUMNS = {ReviewLevel.COUNTY: "county_step", ReviewLevel.CITY: "city_step", ReviewLevel.TOP: "top_step",
                ReviewLevel.MINISTRY: "ministry_step"}
TEST_BATCH = "看板测试批"


# ---------------------------------------------------------------- reading the page

class _Tables(HTMLParser):
    """Every table with an id: its body rows as (data-key, [cell texts]), and the KPI tiles."""

    def __init__(self):
        super().__init__()
        self.tables: dict[str, list[tuple[str, list[str]]]] = {}
        self.kpis: dict[str, str] = {}
        self._table = self._row = self._cell = self._kpi = None
        self._in_body = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "table" and attrs.get("id"):
            self._table = self.tables.setdefault(attrs["id"], [])
        elif tag == "tbody" and self._table is not None:
            self._in_body = True
        elif tag == "tr" and self._in_body:
            self._row = (attrs.get("data-key"), [])
        elif tag == "td" and self._row is not None:
            self._cell = []
        elif tag == "div" and (attrs.get("id") or "").startswith("kpi-"):
            self._kpi = attrs["id"]
        elif tag == "b" and self._kpi:
            self._cell = []

    def handle_endtag(self, tag):
        if tag == "td" and self._cell is not None and self._row is not None:
            self._row[1].append("".join(self._cell).strip())
            self._cell = None
        elif tag == "b" and self._kpi and self._cell is not None:
            self.kpis[self._kpi[4:]] = "".join(self._cell).strip()
            self._cell, self._kpi = None, None
        elif tag == "tr" and self._row is not None:
            if self._row[0] is not None:
                self._table.append(self._row)
            self._row = None
        elif tag == "tbody":
            self._in_body = False
        elif tag == "table":
            self._table = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)


def page(client, query: str = "") -> _Tables:
    response = client.get(URL + query)
    assert response.status_code == 200, response.status_code
    parsed = _Tables()
    parsed.feed(response.get_data(as_text=True))
    parsed.html = response.get_data(as_text=True)
    return parsed


def counts(parsed: _Tables, table: str, column: int = 1) -> dict[str, int]:
    """{data-key: the number in `column`} of a count table, zeros and empty cells left out."""
    numbers = {key: int(cells[column]) for key, cells in parsed.tables[table] if cells[column]}
    return {key: number for key, number in numbers.items() if number}


def averages(parsed: _Tables) -> dict[str, float | None]:
    return {key: None if cells[4] in ("—", "") else float(cells[4]) for key, cells in parsed.tables["by-level"]}


# ---------------------------------------------------------------- counting independently, row by row

def scope_rows(username: str) -> list[Declaration]:
    """The declarations `username` reviews, chosen here without app.domain.scope."""
    from app.models import PlatformUser

    user = db.session.execute(select(PlatformUser).where(PlatformUser.username == username)).scalar_one()
    authority = user.authority or (user.active_organization.reviews_as if user.active_organization else None)
    rows = db.session.scalars(select(Declaration)).all()
    if authority.kind == AuthorityKind.MINISTRY:
        return [d for d in rows if d.submitted_at is not None]
    column = {"county": "county_authority_id", "city": "city_authority_id"}.get(authority.kind, "top_authority_id")
    return [d for d in rows if getattr(d, column) == authority.id]


def in_review_level(d: Declaration) -> ReviewLevel | None:
    if d.status != DeclarationStatus.UNDER_REVIEW:
        return None
    return next((level for level, column in STEP_COLUMNS.items() if getattr(d, column) == StepState.IN_REVIEW), None)


def expected(username: str, today: datetime.date, batch_id: int | None = None) -> dict:
    rows = [d for d in scope_rows(username) if batch_id is None or d.batch_id == batch_id]
    regions = {r.id: r for r in db.session.scalars(select(Region))}
    windows = {(w.batch_id, w.declaration_type_id): w for w in db.session.scalars(select(BatchWindow))}
    in_review, overdue = Counter(), Counter()
    for d in rows:
        level = in_review_level(d)
        if level is None:
            if d.status == DeclarationStatus.UNDER_REVIEW and d.package_id and d.pending_authority_id is None:
                in_review["awaiting_recommendation"] += 1  # its own row under the levels
            continue
        in_review[level.value] += 1
        window = windows.get((d.batch_id, d.declaration_type_id))
        deadline = getattr(window, f"{level.value}_deadline") if window else None
        if deadline is not None and deadline < today:
            overdue[level.value] += 1
    ids = {d.id for d in rows}
    durations = defaultdict(list)
    for step in db.session.scalars(select(ReviewStep)):
        if step.declaration_id in ids and step.started_at and step.decided_at:
            durations[ReviewLevel(step.level).value].append((step.decided_at - step.started_at).total_seconds() / 86400)
    return {
        "total": len(rows),
        "status": Counter(DeclarationStatus(d.status).value for d in rows),
        "type": Counter(str(d.declaration_type_id) for d in rows),
        "batch": Counter(str(d.batch_id) for d in rows),
        "province": Counter(str(d.province_id) for d in rows),
        "city": Counter(str(_city_of(regions, d.region_id)) for d in rows),
        "in_review": in_review,
        "overdue": overdue,
        "decided": Counter({level: len(values) for level, values in durations.items()}),
        "average": {level: round(sum(values) / len(values), 1) for level, values in durations.items()},
    }


def _city_of(regions, region_id):
    region = regions[region_id]
    parent = regions.get(region.parent_id)
    return parent.id if region.level == 3 and parent is not None and parent.level == 2 else region.id


# ---------------------------------------------------------------- hand-made data

def _step(declaration, level, position, state, started=None, decided=None, authority=None):
    db.session.add(ReviewStep(declaration_id=declaration.id, round=1, position=position, level=level,
                              authority_id=authority.id if authority else None, state=state,
                              started_at=started, decided_at=decided))


@pytest.fixture(scope="module")
def data(app):
    """A batch of its own with deadlines, and declarations of 河北 and 广东 at every level and outcome.

    County deadline 5 days ago, city deadline in 10 days, top deadline yesterday, no ministry deadline.
    In 河北 (长安 → 石家庄 → 河北): at the county ×2 (overdue), at the city (not overdue), at the province
    (overdue), returned, approved. In 广东 (南山 → 深圳, a 计划单列市): at the county ×3 (overdue), so that
    a province other than 河北 has overdue items that must never reach 河北's dashboard.
    Decided county steps took 3.5 and 1.5 days (average 2.5), the decided city step 2 days.
    """
    today = clock.today()
    with app.app_context():
        ministry = db.session.execute(select(Authority).where(Authority.kind == AuthorityKind.MINISTRY)).scalar_one()
        factory = db.session.execute(select(DeclarationType).where(DeclarationType.code == "green_factory")).scalar_one()
        batch = Batch(name=TEST_BATCH, year=2031, owner_id=ministry.id)
        db.session.add(batch)
        db.session.flush()
        db.session.add(BatchWindow(batch_id=batch.id, declaration_type_id=factory.id, opens_on=today - datetime.timedelta(days=60),
                                   closes_on=today - datetime.timedelta(days=30),
                                   county_deadline=today - datetime.timedelta(days=5),
                                   city_deadline=today + datetime.timedelta(days=10),
                                   top_deadline=today - datetime.timedelta(days=1), ministry_deadline=None))
        lvyuan = f.organization("石家庄绿源机械制造有限公司")
        nanshan = f.make_organization("深圳市看板测试有限公司", "440305", "MA5G0K2L")
        county, city, province = f.authority("county", "130102"), f.authority("city", "130100"), f.authority("province", "130000")
        hebei = (county, city, province)
        shenzhen = (f.authority("county", "440305"), None, f.authority("province", "440300"))
        t0 = datetime.datetime(2031, 3, 1, 9, 0)
        made = []

        def make(org, chain, steps, status=DeclarationStatus.UNDER_REVIEW):
            d = f.declaration(org, chain=chain)
            d.batch_id = batch.id
            d.province_id = org.region.province_id  # the lifecycle sets it at creation; the factory does not
            d.status = status
            d.pending_authority_id = None
            for level, state in steps.items():
                setattr(d, STEP_COLUMNS[level], state)
                if state == StepState.IN_REVIEW:
                    d.pending_authority_id = dict(zip(STEP_COLUMNS, (*chain, ministry)))[level].id
            made.append(d)
            return d

        S = StepState
        make(lvyuan, hebei, {ReviewLevel.COUNTY: S.IN_REVIEW})
        make(lvyuan, hebei, {ReviewLevel.COUNTY: S.IN_REVIEW})
        at_city = make(lvyuan, hebei, {ReviewLevel.COUNTY: S.APPROVED, ReviewLevel.CITY: S.IN_REVIEW})
        at_top = make(lvyuan, hebei, {ReviewLevel.COUNTY: S.APPROVED, ReviewLevel.CITY: S.APPROVED,
                                      ReviewLevel.TOP: S.IN_REVIEW})
        make(lvyuan, hebei, {ReviewLevel.COUNTY: S.RETURNED}, DeclarationStatus.RETURNED)
        make(lvyuan, hebei, {ReviewLevel.COUNTY: S.APPROVED, ReviewLevel.CITY: S.APPROVED, ReviewLevel.TOP: S.APPROVED,
                             ReviewLevel.MINISTRY: S.APPROVED}, DeclarationStatus.APPROVED)
        for _ in range(3):
            make(nanshan, shenzhen, {ReviewLevel.COUNTY: S.IN_REVIEW, ReviewLevel.CITY: S.NOT_APPLICABLE})
        db.session.flush()
        day = datetime.timedelta(days=1)
        _step(at_city, ReviewLevel.COUNTY, 1, S.APPROVED, t0, t0 + 3.5 * day, county)
        _step(at_city, ReviewLevel.CITY, 2, S.IN_REVIEW, t0 + 3.5 * day, None, city)
        _step(at_top, ReviewLevel.COUNTY, 1, S.APPROVED, t0, t0 + 1.5 * day, county)
        _step(at_top, ReviewLevel.CITY, 2, S.APPROVED, t0 + 1.5 * day, t0 + 3.5 * day, city)
        _step(at_top, ReviewLevel.TOP, 3, S.IN_REVIEW, t0 + 3.5 * day, None, province)
        _step(at_top, ReviewLevel.MINISTRY, 4, S.NOT_STARTED)
        figures.rebuild(db.session)  # the rows were written beside the lifecycle
        db.session.commit()
        ids = {"batch": batch.id, "declarations": [d.id for d in made], "type": factory.id}
    yield ids
    with app.app_context():
        db.session.execute(delete(ReviewStep).where(ReviewStep.declaration_id.in_(ids["declarations"])))
        db.session.execute(delete(Declaration).where(Declaration.id.in_(ids["declarations"])))
        db.session.execute(delete(BatchWindow).where(BatchWindow.batch_id == ids["batch"]))
        db.session.execute(delete(Batch).where(Batch.id == ids["batch"]))
        db.session.execute(delete(Organization).where(Organization.name == "深圳市看板测试有限公司"))
        figures.rebuild(db.session)
        db.session.commit()


# ---------------------------------------------------------------- the tests

@pytest.mark.parametrize("username", REVIEWERS)
def test_every_number_equals_a_count_made_row_by_row(app, client_as, data, username):
    parsed = page(client_as(username))
    with app.app_context():
        want = expected(username, clock.today())
    assert int(parsed.kpis["total"]) == want["total"]
    assert counts(parsed, "by-status") == dict(want["status"])
    assert counts(parsed, "by-type") == dict(want["type"])
    assert counts(parsed, "by-batch") == dict(want["batch"])
    assert counts(parsed, "by-level", 1) == dict(want["in_review"])
    assert counts(parsed, "by-level", 2) == dict(want["overdue"])
    assert counts(parsed, "by-level", 3) == dict(want["decided"])
    assert {k: v for k, v in averages(parsed).items() if v is not None} == want["average"]
    assert int(parsed.kpis["in-review"]) == sum(n for k, n in want["in_review"].items() if k != "awaiting_recommendation")
    assert int(parsed.kpis["overdue"]) == sum(want["overdue"].values())
    assert sum(counts(parsed, "by-region").values()) == want["total"]
    if username in ("gongxinbu", "jituan", "xiehui"):
        assert counts(parsed, "by-region") == dict(want["province"])
    if username == "hebeisheng":
        assert counts(parsed, "by-region") == dict(want["city"])


def test_hand_made_batch_levels_durations_and_overdue(app, client_as, data):
    """The test batch alone, where every figure is known: 河北 sees its six, never 广东's three."""
    query = f"?batch={data['batch']}"
    province = page(client_as("hebeisheng"), query)
    assert province.kpis["total"] == "6"
    assert counts(province, "by-level", 1) == {"county": 2, "city": 1, "top": 1}
    assert counts(province, "by-level", 2) == {"county": 2, "top": 1}  # the city's deadline is still ahead
    assert counts(province, "by-level", 3) == {"county": 2, "city": 1}
    assert averages(province) == {"county": 2.5, "city": 2.0, "top": None, "ministry": None}
    assert counts(province, "by-status") == {"under_review": 4, "returned": 1, "approved": 1}
    assert len(province.tables["overdue-items"]) == 3
    first = province.tables["overdue-items"][0][1]
    assert first[3] == "县/区审核" and first[5] == "5"  # the longest overdue first
    with app.app_context():
        shijiazhuang = db.session.execute(select(Region).where(Region.code == "130100")).scalar_one().id
    assert counts(province, "by-region") == {str(shijiazhuang): 6}

    national = page(client_as("gongxinbu"), query)
    assert national.kpis["total"] == "9"
    assert counts(national, "by-level", 2) == {"county": 5, "top": 1}
    assert counts(national, "by-level", 1) == {"county": 5, "city": 1, "top": 1}
    with app.app_context():
        hebei, guangdong = (db.session.execute(select(Region.id).where(Region.code == code)).scalar_one()
                            for code in ("130000", "440000"))
    assert counts(national, "by-region") == {str(hebei): 6, str(guangdong): 3}
    assert national.kpis["pending-mine"] == "0"

    county = page(client_as("changan"), query)
    assert county.kpis["total"] == "6" and county.kpis["pending-mine"] == "2"
    assert page(client_as("jituan"), query).kpis["total"] == "0"


def test_a_city_that_reviews_as_a_province_is_counted_by_county(app, data):
    """深圳 (a 计划单列市) reviews as a province from a city-level region: its dashboard groups by district."""
    from app.domain.scope import Actor
    from app.models.geo import COUNTY

    with app.app_context():
        shenzhen = f.authority("province", "440300")
        actor = Actor(user_id=0, name="深圳", authority_id=shenzhen.id, authority_kind=AuthorityKind.PROVINCE)
        board = dashboard.build(db.session, actor, today=clock.today(),
                                filters=dashboard.Filters(batch_id=data["batch"]))
        nanshan = db.session.execute(select(Region.id).where(Region.code == "440305")).scalar_one()
    assert board.region_level == COUNTY
    assert [(row.key, row.label, row.count) for row in board.by_region] == [(nanshan, "南山区", 3)]
    assert board.total == 3 and {x.level.value: x.overdue for x in board.levels if x.overdue} == {"county": 3}


def test_another_province_never_counts(app, client_as, data):
    """广东's overdue declarations appear neither in 河北's totals nor in its overdue list."""
    parsed = page(client_as("hebeisheng"))
    with app.app_context():
        others = set(db.session.scalars(select(Declaration.id).where(
            Declaration.top_authority_id != f.authority("province", "130000").id)))
        guangdong = db.session.execute(select(Region.id).where(Region.code == "440000")).scalar_one()
    assert not {int(key) for key, _ in parsed.tables["overdue-items"]} & others
    assert "深圳市看板测试有限公司" not in parsed.html
    assert str(guangdong) not in counts(parsed, "by-region")


def test_filters_by_batch_and_type_and_refuses_unknown_values(app, client_as, data):
    client = client_as("gongxinbu")
    with app.app_context():
        other_type = db.session.execute(select(DeclarationType.id).where(DeclarationType.code != "green_factory")).scalars().first()
    assert page(client, f"?batch={data['batch']}&type={data['type']}").kpis["total"] == "9"
    assert page(client, f"?batch={data['batch']}&type={other_type}").kpis["total"] == "0"
    everything = page(client).kpis["total"]
    for query in ("?batch=abc", "?batch=99999999", "?type=-1", "?type=1e3", "?batch=" + "9" * 40,
                  "?type=1%27%20or%201=1", "?batch=%EF%BC%91"):
        parsed = page(client, query)
        assert parsed.kpis["total"] == everything, query
        assert "不存在" in parsed.html, query
    assert "不存在" not in page(client, "?batch=&type=").html
    assert client.get(URL + "?batch=%00").status_code == 400  # the platform's request guard, before the view


@pytest.mark.parametrize("username", ["qiye", "yuanqu", "sanfang", "feiqiye", "admin"])
def test_applicants_agencies_and_it_staff_are_refused(client_as, username):
    client = client_as(username)
    assert client.get(URL).status_code == 403
    assert "/dashboard/" not in client.get("/").get_data(as_text=True)  # nor offered in the menu


def test_anonymous_is_sent_to_login(app):
    response = app.test_client().get(URL)
    assert response.status_code == 302 and "/login" in response.headers["Location"]


@pytest.mark.parametrize("username", REVIEWERS)
def test_reviewers_find_it_in_their_menu(client_as, username):
    client = client_as(username)  # under the 审核管理 tab (xiehui's home shows its 绿色制造体系 tab first)
    review = re.search(r'<a href="([^"]+)"[^>]*>(?:<i[^>]*></i> )?审核管理</a>', client.get("/").get_data(as_text=True))
    assert 'href="/dashboard/"' in client.get(review.group(1)).get_data(as_text=True)


def test_charts_come_from_the_app_itself(client_as, data):
    parsed = page(client_as("gongxinbu"))
    scripts = re.findall(r'<script[^>]*src="([^"]+)"', parsed.html)
    assert "/static/vendor/chartjs/chart.umd.min.js" in scripts and "/static/js/dashboard.js" in scripts
    assert all(src.startswith("/") and not src.startswith("//") for src in scripts), scripts
    assert 'type="application/json" id="dashboard-data"' in parsed.html
    client = client_as("gongxinbu")
    for src in ("/static/vendor/chartjs/chart.umd.min.js", "/static/js/dashboard.js"):
        assert client.get(src).status_code == 200


@pytest.mark.parametrize("username", ["gongxinbu", "hebeisheng"])
def test_a_fixed_number_of_statements_all_aggregates(app, client_as, data, username, monkeypatch):
    from app.views import cache

    monkeypatch.setattr(cache, "REFERENCE_SECONDS", 3600)  # the batch and type choices: loaded once, below
    client = client_as(username)
    client.get(URL)
    with counting(app) as before:
        page(client)
    with app.app_context():  # twenty more declarations, in more regions and states
        org = f.organization("石家庄绿源机械制造有限公司")
        chain = (f.authority("county", "130102"), f.authority("city", "130100"), f.authority("province", "130000"))
        extra = [f.declaration(org, chain=chain).id for _ in range(20)]
        db.session.commit()
    try:
        with counting(app) as after:
            parsed = page(client)
        assert len(before) == len(after), (before, after)
        reading = [s for s in after if re.search(r"\bFROM declaration\b", s)]
        assert 1 <= len(reading) <= dashboard.STATEMENTS
        for statement in reading:  # every one counts, averages or takes a bounded list: none loads the scope
            assert re.search(r"count\(|avg\(|LIMIT", statement, re.I), statement
        assert len(after) <= dashboard.STATEMENTS + 8, after
        assert int(parsed.kpis["total"]) >= 20
    finally:
        with app.app_context():
            f.remove(extra)
            db.session.commit()


def test_domain_counts_a_deadline_day_as_not_yet_overdue(app, data):
    """Overdue means the deadline is before today: on the deadline day itself the level may still act."""
    day = datetime.timedelta(days=1)
    with app.app_context():
        actor = f.actor_of("gongxinbu")
        window = db.session.execute(select(BatchWindow).where(BatchWindow.batch_id == data["batch"])).scalar_one()
        filters = dashboard.Filters(batch_id=data["batch"])

        def at(today):
            return dashboard.build(db.session, actor, today=today, filters=filters)

        by_level = lambda board: {x.level.value: x.overdue for x in board.levels if x.overdue}  # noqa: E731
        assert by_level(at(window.county_deadline)) == {}
        assert by_level(at(window.county_deadline + day)) == {"county": 5}
        assert by_level(at(window.top_deadline)) == {"county": 5}
        assert by_level(at(window.top_deadline + day)) == {"county": 5, "top": 1}
        latest = at(window.city_deadline + day)
        assert by_level(latest) == {"county": 5, "city": 1, "top": 1}
        assert [item.days_overdue for item in latest.overdue_items] == [16, 16, 16, 16, 16, 12, 1]


def test_figures_are_live_without_a_cache(app, client_as):
    """No dashboard figure is kept between requests: a submission shows on the next page of its county, and the
    page says the figures are live."""
    import uuid

    client = client_as("changan")
    first = page(client)
    assert "实时数据，截至" in first.html and "fresh=1" not in first.html
    with app.app_context():
        declaration = f.act(f.drafted("qiye", "energy_saving_tech", f.new_batch(f"实时看板{uuid.uuid4().hex[:6]}")),
                            "submit", "qiye").id
        db.session.commit()
    try:
        again = page(client)
        assert int(again.kpis["total"]) == int(first.kpis["total"]) + 1
        assert int(again.kpis["pending-mine"]) == int(first.kpis["pending-mine"]) + 1
    finally:
        with app.app_context():
            f.act(db.session.get(Declaration, declaration), "withdraw", "qiye")
            db.session.commit()
    assert page(client).kpis["total"] == first.kpis["total"]


def test_declarations_waiting_in_a_package_have_their_own_row(app, client_as):
    """Approved by the province and waiting in its unsubmitted package: at no level, yet under review."""
    import uuid

    with app.app_context():
        f.in_package(f.new_batch(f"看板推荐批{uuid.uuid4().hex[:6]}", "energy_saving_tech"), 2)
        db.session.commit()
        want = expected("hebeisheng", clock.today())
    parsed = page(client_as("hebeisheng"))
    assert want["in_review"]["awaiting_recommendation"] >= 2
    assert counts(parsed, "by-level", 1)["awaiting_recommendation"] == want["in_review"]["awaiting_recommendation"]


def test_a_withdrawn_round_counts_nowhere(app):
    """取消上报: the declaration leaves every figure (in review, 待我审核, by status, by level) and its cancelled
    steps are no decisions in the average."""
    import uuid

    from app.domain import lifecycle
    from app.domain.scope import Actor
    from app.models import PlatformUser

    def board_of(username, batch_id):
        user = db.session.execute(select(PlatformUser).where(PlatformUser.username == username)).scalar_one()
        return dashboard.build(db.session, Actor.of(user), today=clock.today(),
                               filters=dashboard.Filters(batch_id=batch_id))

    with app.app_context():
        batch = f.new_batch(f"取消上报看板{uuid.uuid4().hex[:6]}")
        declaration = f.drafted("qiye", "energy_saving_tech", batch)
        qiye = Actor.of(db.session.execute(select(PlatformUser).where(PlatformUser.username == "qiye")).scalar_one())
        now = clock.now()
        lifecycle.apply(db.session, declaration, "submit", qiye, lifecycle.Audience.APPLICANT, now=now)
        before = board_of("changan", batch.id)
        assert (before.total, before.pending_mine, sum(x.in_review for x in before.levels)) == (1, 1, 1)
        lifecycle.apply(db.session, declaration, "withdraw", qiye, lifecycle.Audience.APPLICANT, now=now)
        assert {s.state for s in declaration.steps} == {StepState.CANCELLED}
        for username in ("changan", "shijiazhuang", "hebeisheng", "gongxinbu"):
            board = board_of(username, batch.id)
            assert (board.total, board.pending_mine, sum(x.in_review for x in board.levels),
                    sum(x.decided for x in board.levels), sum(x.count for x in board.by_status)) == (0,) * 5, username
        db.session.rollback()
