"""Demo data at national scale: organizations in every province and declarations in every lifecycle state.

Rows are made in bulk (plain tuples through the driver: executemany, or COPY on PostgreSQL) but from the
lifecycle's own data: the chain of each submission is `lifecycle.local_levels` of the organization's authority,
its steps open as `lifecycle.opening_states` opens them, each decision gives its step the state, the
declaration the status and the history the record its transition in `lifecycle.TRANSITIONS` does, and the
step columns are named by `lifecycle.STEP_COLUMN`. `tests/domain/test_demo.py` checks these invariants and then
acts on generated rows through `lifecycle.apply`. Deterministic for a given `seed`.
"""
from __future__ import annotations

import datetime
import io
import multiprocessing
import random
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from queue import Empty
from types import SimpleNamespace

from sqlalchemy import func, select

from app import clock
from app.domain import figures
from app.domain.codes import make_credit_code, org_code_of
from app.domain.lifecycle import LEVELS, STEP_COLUMN, TRANSITIONS, local_levels, opening_states
from app.vocabulary import Channel, DeclarationStatus as S, PackageState, ReviewLevel, StepState
from app.domain.uploads import sha256_hex
from app.extensions import db
from app.models import (
    Attachment,
    Authority,
    AuthorityKind,
    BatchWindow,
    Declaration,
    DeclarationType,
    Industry,
    Organization,
    OrgType,
    RecommendationPackage,
    Region,
    ReviewRecord,
    ReviewStep,
)

# Where a generated declaration ends up (weights in percent): a status before 上报, or, for submissions, still
# pending at some level or ended by a decision (a transition's name).
OUTCOMES = [
    ("draft", 10), ("evaluating", 4), ("evaluated", 4), ("pending", 40), ("return", 10), ("reject", 6),
    ("approve", 26),
]
OUTCOME_TABLE = [outcome for outcome, weight in OUTCOMES for _ in range(weight)]  # one draw is one index
BATCH_SIZE = 20_000
DAY = 24 * 60  # times are whole minutes after the start of the generated year
YEAR = 365 * DAY
SUBMITTED_MINUTES = 265 * DAY  # submissions are created in the first 265 days: their later events end by today
SUBMITTED_FROM = 337 * DAY  # recommendation packages go to the ministry from here (see Packages.submitted)

# The stored values, as plain strings: enum members hash by name and their attributes cost a call each, and
# this is the generator's inner loop.
ST = SimpleNamespace(**{m.name: m.value for m in StepState})
DS = SimpleNamespace(**{m.name: m.value for m in S})
LV = SimpleNamespace(**{m.name: m.value for m in ReviewLevel})
UNSUBMITTED = {"draft": DS.DRAFT, "evaluating": DS.EVALUATING, "evaluated": DS.EVALUATED}
CHANNEL_LOCAL = Channel.LOCAL.value


def _only(statuses: frozenset) -> str:
    (status,) = statuses
    return S(status).value


# What each transition the generator replays writes, read from the table once: (name, from status, to status)
# of its record, and the state it gives the step it decides.
SUBMIT = ("submit", DS.DRAFT, TRANSITIONS["submit"].target.value)
REVIEWING = _only(TRANSITIONS["approve"].sources)
APPROVED = TRANSITIONS["approve"].decides.value
DECISIONS = {name: (TRANSITIONS[name].decides.value, TRANSITIONS[name].target.value) for name in ("return", "reject")}
RECOMMEND = ("recommend", _only(TRANSITIONS["recommend"].sources), REVIEWING)
FINAL_STATUS = {"approve": DS.APPROVED, **{name: status for name, (_, status) in DECISIONS.items()}}

# Column orders of the tuples the loop builds.
DECLARATION_COLUMNS = (
    "id", "declaration_type_id", "batch_id", "organization_id", "unit_name", "title", "region_id", "province_id",
    "industry_id", "form_definition_id", "form_data", "created_at", "version",
    "status", "channel", "round", "submitted_at", "updated_at", "pending_authority_id", "county_authority_id",
    "city_authority_id", "top_authority_id", *(STEP_COLUMN[level] for level in LEVELS), "package_id", "package_rank")
STEP_COLUMNS = ("declaration_id", "round", "position", "level", "authority_id", "state", "started_at", "decided_at")
RECORD_COLUMNS = ("declaration_id", "round", "action", "level", "authority_id", "actor_name", "from_status",
                  "to_status", "opinion", "created_at")


@dataclass(frozen=True)
class Chain:
    """The 地方 chain of one authority: (level, authority id or None) for the four levels, as stored."""

    steps: tuple[tuple[str, int | None], ...]
    opened: tuple[str, ...]  # each step's state when the submission opens it
    region_id: int
    province_id: int
    by_level: dict = field(compare=False, hash=False, repr=False)

    def authority(self, level: str) -> int | None:
        return self.by_level[str(level)]

    @property
    def applicable(self) -> int:
        return sum(authority is not None for _, authority in self.steps)

    @property
    def top(self) -> int:
        """How many applicable levels come before the province's."""
        return [level for level, authority in self.steps if authority is not None].index(LV.TOP)


def chains() -> dict[int, Chain]:
    """Every region authority's 地方 chain (for a national batch), as `lifecycle.review_chain` builds it."""
    authorities = list(db.session.scalars(select(Authority)))  # loaded once: parents come from the session
    regions = {r.id: r for r in db.session.scalars(select(Region))}
    ministry = next(a.id for a in authorities if a.kind == AuthorityKind.MINISTRY)
    result = {}
    for authority in authorities:
        if authority.kind not in (AuthorityKind.COUNTY, AuthorityKind.CITY, AuthorityKind.PROVINCE) \
                or authority.region_id is None:
            continue
        levels = {level: a.id if a is not None else None for level, a in local_levels(authority).items()}
        levels[ReviewLevel.MINISTRY] = ministry
        region = regions[authority.region_id]
        steps = tuple((level.value, levels[level]) for level in LEVELS)
        opened = tuple(state.value for _, _, state in opening_states(steps))
        result[authority.id] = Chain(steps, opened, region.id, region.province_id or region.id, dict(steps))
    return result


class Stamps(dict):
    """Minute offsets to stored times, each formatted once: SQLite stores text, so the driver gets the text
    SQLAlchemy would write; PostgreSQL gets datetimes."""

    def __init__(self, start: datetime.datetime, as_text: bool):
        super().__init__()
        self.start, self.as_text = start, as_text

    def __missing__(self, minutes: int):
        moment = self.start + datetime.timedelta(minutes=minutes)
        self[minutes] = value = str(moment) if self.as_text else moment
        return value


def generate(declarations: int, organizations: int | None = None, seed: int = 2026,
             today: datetime.date | None = None) -> dict[str, int]:
    """Insert `organizations` enterprises and `declarations` declarations; return the row counts made."""
    rng = random.Random(seed)
    draw = rng.random  # int(draw() * n) in the loop: a third of randrange's cost
    today = today or clock.today()
    organizations = organizations or max(100, declarations // 8)
    stamp = Stamps(datetime.datetime.combine(today, datetime.time(9)) - datetime.timedelta(days=365),
                   db.session.connection().dialect.name == "sqlite")
    chain_of = chains()
    county_authorities = [a for a, c in chain_of.items() if c.authority(ReviewLevel.COUNTY) == a
                          or (c.authority(ReviewLevel.COUNTY) is None and c.authority(ReviewLevel.CITY) == a)]
    industries = list(db.session.scalars(select(Industry.id).where(Industry.level == 4)))
    types = db.session.scalars(select(DeclarationType).where(DeclarationType.active.is_(True))).all()
    enterprise_types = [(t.id, f"{t.name}申报 ") for t in types
                        if OrgType.ENTERPRISE.value in t.declarant_types and "local" in t.channels]
    windows = db.session.execute(select(BatchWindow.batch_id, BatchWindow.declaration_type_id,
                                        BatchWindow.form_definition_id)).all()
    batches = sorted({w.batch_id for w in windows})
    form_of = {(w.batch_id, w.declaration_type_id): w.form_definition_id for w in windows}

    first_org = (db.session.scalar(select(func.max(Organization.id))) or 0) + 1
    org_rows, org_of = [], []  # org_of[n]: what a declaration of enterprise first_org + n copies from it
    for number in range(organizations):
        authority = rng.choice(county_authorities)
        chain = chain_of[authority]
        credit = make_credit_code("91", db_region_code(chain.region_id), f"DM{(seed * 1_000_003 + number) % 10**6:06d}")
        name = f"示范企业{first_org + number:07d}有限公司"
        industry = rng.choice(industries)
        org_rows.append((first_org + number, OrgType.ENTERPRISE.value, name, credit, org_code_of(credit),
                         "民营企业", industry, "人民币", authority, chain.region_id, True))
        org_of.append((first_org + number, name, chain, chain.applicable, chain.top, industry))
    _insert(Organization, ("id", "org_type", "name", "credit_code", "org_code", "nature", "industry_id", "currency",
                           "authority_id", "region_id", "active"), org_rows)

    made = {"organizations": organizations, "declarations": 0, "steps": 0, "records": 0, "packages": 0}
    first_declaration = (db.session.scalar(select(func.max(Declaration.id))) or 0) + 1
    batches_of_rows = _rows(draw, range(first_declaration, first_declaration + declarations), org_of,
                            enterprise_types, batches, form_of, Packages(seed, stamp))
    with bulk_loading(declarations):
        for files, package_rows, declaration_rows, step_rows, record_rows in (
                in_background(batches_of_rows) if declarations > BATCH_SIZE else batches_of_rows):
            _write_packages(files, package_rows)
            _insert(Declaration, DECLARATION_COLUMNS, declaration_rows)
            _insert(ReviewStep, STEP_COLUMNS, step_rows)
            _insert(ReviewRecord, RECORD_COLUMNS, record_rows)
            made["packages"] += len(package_rows)
            made["declarations"] += len(declaration_rows)
            made["steps"] += len(step_rows)
            made["records"] += len(record_rows)
        figures.rebuild(db.session)  # the rows went in beside the lifecycle: the dashboard's figures counted anew
    connection = db.session.connection()
    if connection.dialect.name == "postgresql":  # explicit ids do not move the serial sequences
        for table in (Organization.__tablename__, Declaration.__tablename__, RecommendationPackage.__tablename__,
                      Attachment.__tablename__):
            connection.exec_driver_sql(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")
    db.session.commit()
    if connection.dialect.name == "postgresql" and declarations >= BULK_WITHOUT_INDEXES:
        vacuum_analyze()
    return made


def _rows(draw, ids: range, org_of: list, types: list, batches: list, form_of: dict, packages: Packages):
    """The rows to insert, BATCH_SIZE declarations at a time: (stamped files, packages, declarations, steps,
    records). Touches no database, so it can run in another process."""
    stamp = packages.stamp
    unsubmitted_tail = (None, 0, None)
    no_review = (None,) * (4 + len(LEVELS) + 2)
    for first in range(ids.start, ids.stop, BATCH_SIZE):
        declaration_rows, step_rows, record_rows = [], [], []
        for pk in range(first, min(first + BATCH_SIZE, ids.stop)):
            org, unit_name, chain, applicable, top, industry = org_of[int(draw() * len(org_of))]
            type_id, title = types[int(draw() * len(types))]
            batch = batches[int(draw() * len(batches))]
            outcome = OUTCOME_TABLE[int(draw() * 100)]
            head = (pk, type_id, batch, org, unit_name, title + str(pk), chain.region_id, chain.province_id,
                    industry, form_of.get((batch, type_id)), "{}")
            if outcome in UNSUBMITTED:
                created = stamp[int(draw() * YEAR)]
                declaration_rows.append((*head, created, 1, UNSUBMITTED[outcome], *unsubmitted_tail, created,
                                         *no_review))
            else:
                created = int(draw() * SUBMITTED_MINUTES)
                declaration_rows.append((*head, stamp[created], 1, *_submitted(
                    draw, pk, batch, type_id, chain, applicable, top, outcome, created, step_rows, record_rows,
                    packages)))
        yield (*packages.take_new(), declaration_rows, step_rows, record_rows)


def in_background(items: Iterator) -> Iterator:
    """What `items` yields, computed meanwhile in a forked process: building rows (Python) overlaps writing
    them (mostly inside the database) on a second core. The child never uses the connection it inherits."""
    context = multiprocessing.get_context("fork")
    queue = context.Queue(2)

    def produce():
        try:
            for item in items:
                queue.put(("item", item))
            queue.put(("end", None))
        except BaseException:
            queue.put(("error", traceback.format_exc()))

    process = context.Process(target=produce, daemon=True)
    process.start()
    try:
        while True:
            try:
                kind, item = queue.get(timeout=5)
            except Empty:
                if process.is_alive():
                    continue
                raise RuntimeError(f"the row builder exited with code {process.exitcode}") from None
            if kind == "end":
                break
            if kind == "error":
                raise RuntimeError(f"the row builder failed:\n{item}")
            yield item
        process.join()
    finally:
        if process.is_alive():
            process.terminate()
            process.join()


def _submitted(draw, pk: int, batch: int, type_id: int, chain: Chain, applicable: int, top: int, outcome: str,
               created: int, step_rows: list, record_rows: list, packages: Packages) -> tuple:
    """A submission of round 1 through the 地方 chain, stopped where `outcome` says: writes its steps and
    records and returns the declaration's columns from `status` on.

    An approval by the province joins its package; while the package is not submitted the declaration
    waits there (under review, nobody's turn), whatever `outcome` was drawn."""
    stamp = packages.stamp
    submitted = created + DAY * (1 + int(draw() * 29))
    approved = applicable if outcome == "approve" else int(draw() * applicable)  # levels that approved it
    by_level = chain.by_level
    province = by_level[LV.TOP]
    package_id = rank = recommended_at = None
    recommended = False
    if approved == top and outcome == "pending" and packages.submitted(batch, type_id, province):
        approved = top + 1  # its province has recommended this batch already: it is at the ministry now
    if approved > top:
        package_id, rank, recommended, recommended_at = packages.join(batch, type_id, province, submitted)
        if not recommended:
            outcome, approved = "waiting", top + 1
    record_rows.append((pk, 1, SUBMIT[0], None, None, "demo", SUBMIT[1], SUBMIT[2], None, stamp[submitted]))
    moment = submitted
    pending = None
    states = []
    index = 0  # among the applicable levels
    for position, ((level, authority), state) in enumerate(zip(chain.steps, chain.opened), start=1):
        started = decided = None
        if authority is not None:  # else 不适用, as opened
            if index < approved:
                state = APPROVED
            elif index > approved or outcome == "waiting":
                state = ST.NOT_STARTED
            elif outcome == "pending":
                state, pending = ST.IN_REVIEW, authority
            else:
                state = DECISIONS[outcome][0]
            if state != ST.NOT_STARTED:
                started = stamp[moment]
            if state == APPROVED:
                moment += DAY * (1 + int(draw() * 14))
                decided = stamp[moment]
                record_rows.append((pk, 1, "approve", level, authority, "demo", REVIEWING,
                                    FINAL_STATUS["approve"] if index == applicable - 1 else REVIEWING, None, decided))
                if index == top and recommended:  # 提交推荐, with the rest of its package
                    moment = recommended_at if recommended_at is not None else moment + DAY * (1 + int(draw() * 9))
                    record_rows.append((pk, 1, RECOMMEND[0], level, authority, "demo", RECOMMEND[1], RECOMMEND[2],
                                        None, stamp[moment]))
            elif outcome in DECISIONS and state == DECISIONS[outcome][0]:
                moment += DAY * (1 + int(draw() * 14))
                decided = stamp[moment]
                record_rows.append((pk, 1, outcome, level, authority, "demo", REVIEWING, DECISIONS[outcome][1],
                                    "请补充材料", decided))
            index += 1
        states.append(state)
        step_rows.append((pk, 1, position, level, authority, state, started, decided))
    return (FINAL_STATUS.get(outcome, REVIEWING), CHANNEL_LOCAL, 1, stamp[submitted], stamp[moment], pending,
            by_level[LV.COUNTY], by_level[LV.CITY], province, *states, package_id, rank)


class Packages:
    """The province's recommendation packages that generated top-level approvals join, one per batch, type
    and province. About two in three have been submitted (with their stamped files); the others are still
    being put together, so their declarations wait after the province's approval and go no further."""

    COLUMNS = ("id", "batch_id", "declaration_type_id", "authority_id", "state", "letter_id", "summary_id",
               "version", "created_at", "submitted_at")
    FILE_COLUMNS = ("id", "purpose", "storage_key", "original_name", "content_type", "size", "sha256",
                    "uploaded_at")

    def __init__(self, seed: int, stamp: Stamps):
        self.seed = seed
        self.stamp = stamp
        self.next_id = (db.session.scalar(select(func.max(RecommendationPackage.id))) or 0) + 1
        self.next_attachment = (db.session.scalar(select(func.max(Attachment.id))) or 0) + 1
        # (batch, type, authority): (package id, submitted?, the minute it was submitted when made by this load)
        self.known = {tuple(key): (pk, state == PackageState.SUBMITTED, None) for *key, pk, state in db.session.execute(
            select(RecommendationPackage.batch_id, RecommendationPackage.declaration_type_id,
                   RecommendationPackage.authority_id, RecommendationPackage.id, RecommendationPackage.state))}
        self.ranks = dict(db.session.execute(select(Declaration.package_id, func.max(Declaration.package_rank))
                                             .where(Declaration.package_id.is_not(None))
                                             .group_by(Declaration.package_id)).all())
        self.new_packages, self.new_files = [], []

    def submitted(self, batch_id: int, type_id: int, authority_id: int) -> bool:
        """Whether this province's package of this batch and type has gone to the ministry: decided by the key
        alone, so that declarations still at the province are never generated beside a submitted package."""
        return self._fate((batch_id, type_id, authority_id))[0]

    def _fate(self, key: tuple) -> tuple[bool, int | None]:
        """(submitted?, the minute it was). Packages made here go in the year's last four weeks: after every
        generated province approval (by day 336), early enough for the ministry's decisions to end by today."""
        if key in self.known:
            return self.known[key][1:]
        fate = random.Random("-".join(map(str, (self.seed, *key))))
        return (True, SUBMITTED_FROM + int(fate.random() * 13 * DAY)) if fate.random() < 0.65 else (False, None)

    def join(self, batch_id: int, type_id: int, authority_id: int, moment: int) -> tuple[int, int, bool, int | None]:
        """(package id, rank in it, submitted?, the minute it was submitted if this load made it) for a declaration
        the province approves at `moment` (in minutes)."""
        key = (batch_id, type_id, authority_id)
        if key not in self.known:
            submitted, at = self._fate(key)
            pk, self.next_id = self.next_id, self.next_id + 1
            files = {}
            if submitted:
                for which, name in (("letter", "推荐函"), ("summary", "推荐汇总表")):
                    files[which] = self.next_attachment
                    self.new_files.append((self.next_attachment, f"recommendation_{which}",
                                           f"demo/package-{pk}-{which}.pdf", f"{name}.pdf", "application/pdf",
                                           len(DEMO_PDF), sha256_hex(DEMO_PDF), self.stamp[at - DAY]))
                    self.next_attachment += 1
            self.new_packages.append((pk, batch_id, type_id, authority_id,
                                      (PackageState.SUBMITTED if submitted else PackageState.DRAFT).value,
                                      files.get("letter"), files.get("summary"), 1, self.stamp[moment],
                                      self.stamp[at] if submitted else None))
            self.known[key] = (pk, submitted, at)
        pk, submitted, at = self.known[key]
        self.ranks[pk] = rank = self.ranks.get(pk, 0) + 1
        return pk, rank, submitted, at

    def take_new(self) -> tuple[list, list]:
        """The stamped files and packages made since the last call, to be written before their declarations."""
        made = self.new_files, self.new_packages
        self.new_packages, self.new_files = [], []
        return made


def _write_packages(files: list[tuple], packages: list[tuple]) -> None:
    from app.storage import backend

    store = backend()
    for row in files:
        store.put(row[2], io.BytesIO(DEMO_PDF), "application/pdf")
    _insert(Attachment, Packages.FILE_COLUMNS, files)
    _insert(RecommendationPackage, Packages.COLUMNS, packages)


DEMO_PDF = b"%PDF-1.4\n% demo stand-in for a stamped document\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
BULK_WITHOUT_INDEXES = 100_000


@contextmanager
def bulk_loading(rows: int):
    """Large loads write the declaration tables without their secondary indexes and build them afterwards,
    rather than keeping them up to date row by row; SQLite gets a larger page cache."""
    connection = db.session.connection()
    sqlite = connection.dialect.name == "sqlite"
    if sqlite:
        connection.exec_driver_sql("PRAGMA cache_size = -262144")  # 256 MB
    indexes = [index for model in (Declaration, ReviewRecord) for index in model.__table__.indexes
               if not index.unique] if rows >= BULK_WITHOUT_INDEXES else []
    for index in indexes:
        index.drop(connection)
    try:
        yield
    finally:
        if sqlite:  # a small sort memory spills sorted runs, which SQLite then merges on two threads
            connection.exec_driver_sql("PRAGMA cache_size = -4096")
            connection.exec_driver_sql("PRAGMA threads = 2")
        for index in indexes:
            index.create(connection)
        if sqlite:
            connection.exec_driver_sql("PRAGMA cache_size = -2000")
            connection.exec_driver_sql("PRAGMA threads = 0")


def vacuum_analyze() -> None:
    """After a bulk load on PostgreSQL: statistics for the planner, and the visibility map without which a
    count cannot be read from an index alone."""
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        for model in (Organization, Declaration, ReviewStep, ReviewRecord):
            connection.exec_driver_sql(f"VACUUM ANALYZE {model.__tablename__}")


_REGION_CODES: dict[int, str] = {}


def db_region_code(region_id: int) -> str:
    if not _REGION_CODES:
        _REGION_CODES.update(db.session.execute(select(Region.id, Region.code)).all())
    return _REGION_CODES[region_id]


def _insert(model, columns: tuple[str, ...], rows: list[tuple]) -> None:
    """Straight through the driver, the rows built as the tuples it takes: executemany on SQLite, COPY on
    PostgreSQL (whose executemany is a statement per row)."""
    if not rows:
        return
    connection = db.session.connection()
    table = f"{model.__tablename__} ({', '.join(columns)})"
    if connection.dialect.name == "postgresql":
        with connection.connection.driver_connection.cursor() as cursor, \
                cursor.copy(f"COPY {table} FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
    else:
        connection.exec_driver_sql(f"INSERT INTO {table} VALUES ({', '.join(['?'] * len(columns))})", rows)
