"""Demo data at national scale: organizations in every province and declarations in every lifecycle state.

Rows are made in bulk (Core inserts in large batches) but follow the lifecycle's rules: the chain of each
submission comes from the organization's authority exactly as `lifecycle.review_chain` builds it for the
地方 channel, the step states and the declaration's scope columns agree, and every decision has its review
record. `tests/domain/test_demo.py` checks these invariants and then acts on generated rows through
`lifecycle.apply`. Deterministic for a given `seed`.
"""
from __future__ import annotations

import datetime
import json
import operator
import random
from contextlib import contextmanager
from dataclasses import dataclass, field
from types import SimpleNamespace
from pathlib import Path

from flask import current_app

from sqlalchemy import func, select

from app.domain.codes import make_credit_code, org_code_of
from app.domain.lifecycle import LEVELS, STEP_COLUMN
from app.domain.states import Channel, DeclarationStatus as S, PackageState, ReviewLevel, StepState
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

# Where a generated declaration ends up: status, and for submissions how far up the chain it got.
OUTCOMES = [
    ("draft", 10), ("evaluating", 4), ("evaluated", 4), ("pending", 40), ("returned", 10), ("rejected", 6),
    ("approved", 26),
]
BATCH_SIZE = 20_000
UNSUBMITTED = ("draft", "evaluating", "evaluated")
SUBMITTED_MINUTES = 265 * 24 * 60  # created in the first 265 days of the generated year
KIND_LEVEL = {AuthorityKind.COUNTY: ReviewLevel.COUNTY, AuthorityKind.CITY: ReviewLevel.CITY,
              AuthorityKind.PROVINCE: ReviewLevel.TOP}


@dataclass(frozen=True)
class Chain:
    """The 地方 chain of one authority: (level, authority id or None) for the four levels, levels as the
    plain strings stored (enum members hash by name, and their attributes cost a call each: this is the
    generator's inner loop)."""

    steps: tuple[tuple[str, int | None], ...]
    region_id: int
    province_id: int
    by_level: dict = field(compare=False, hash=False, repr=False)

    def authority(self, level: str) -> int | None:
        return self.by_level[str(level)]


# The stored values, as plain strings, for the inner loop.
ST = SimpleNamespace(**{m.name: m.value for m in StepState})
ST_DECIDED = (ST.APPROVED, ST.RETURNED, ST.REJECTED)
DS = SimpleNamespace(**{m.name: m.value for m in S})
LV = SimpleNamespace(**{m.name: m.value for m in ReviewLevel})
COLUMN_OF = {level.value: column for level, column in STEP_COLUMN.items()}
ACTION_OF = {ST.APPROVED: "approve", ST.RETURNED: "return", ST.REJECTED: "reject"}
CHANNEL_LOCAL = Channel.LOCAL.value


def chains() -> dict[int, Chain]:
    """Every region authority's chain, built by walking parents as `lifecycle.review_chain` does."""
    authorities = {a.id: a for a in db.session.scalars(select(Authority))}
    regions = {r.id: r for r in db.session.scalars(select(Region))}
    ministry = next(a.id for a in authorities.values() if a.kind == AuthorityKind.MINISTRY)
    result = {}
    for authority in authorities.values():
        if authority.kind not in KIND_LEVEL or authority.region_id is None:
            continue
        levels = dict.fromkeys(LEVELS)
        node = authority
        while node is not None and node.kind != AuthorityKind.MINISTRY:
            levels[KIND_LEVEL[AuthorityKind(node.kind)]] = node.id
            node = authorities.get(node.parent_id)
        levels[ReviewLevel.MINISTRY] = ministry
        region = regions[authority.region_id]
        steps = tuple((level.value, levels[level]) for level in LEVELS)
        result[authority.id] = Chain(steps, region.id, region.province_id or region.id, dict(steps))
    return result


def generate(declarations: int, organizations: int | None = None, seed: int = 2026,
             today: datetime.date | None = None) -> dict[str, int]:
    """Insert `organizations` enterprises and `declarations` declarations; return the row counts made."""
    rng = random.Random(seed)
    today = today or datetime.date.today()
    organizations = organizations or max(100, declarations // 8)
    chain_of = chains()
    county_authorities = [a for a, c in chain_of.items() if c.authority(ReviewLevel.COUNTY) == a
                          or (c.authority(ReviewLevel.COUNTY) is None and c.authority(ReviewLevel.CITY) == a)]
    industries = list(db.session.scalars(select(Industry.id).where(Industry.level == 4)))
    types = db.session.scalars(select(DeclarationType).where(DeclarationType.active.is_(True))).all()
    enterprise_types = [t for t in types if OrgType.ENTERPRISE.value in t.declarant_types and "local" in t.channels]
    windows = db.session.execute(select(BatchWindow.batch_id, BatchWindow.declaration_type_id,
                                        BatchWindow.form_definition_id)).all()
    batches = sorted({w.batch_id for w in windows})
    form_of = {(w.batch_id, w.declaration_type_id): w.form_definition_id for w in windows}

    first_org = (db.session.scalar(select(func.max(Organization.id))) or 0) + 1
    org_rows, org_authority, org_names, org_industry = [], {}, {}, {}
    for number in range(organizations):
        authority = rng.choice(county_authorities)
        region_code = db_region_code(chain_of[authority].region_id)
        credit = make_credit_code("91", region_code, f"DM{(seed * 1_000_003 + number) % 10**6:06d}")
        name = f"示范企业{first_org + number:07d}有限公司"
        org_id = first_org + number
        org_rows.append(dict(id=org_id, org_type=OrgType.ENTERPRISE.value, name=name, credit_code=credit,
                             org_code=org_code_of(credit), nature="民营企业", industry_id=rng.choice(industries),
                             currency="人民币", authority_id=authority, region_id=chain_of[authority].region_id,
                             active=True))
        org_authority[org_id], org_names[org_id] = authority, name
        org_industry[org_id] = org_rows[-1]["industry_id"]
    _insert(Organization, org_rows)

    made = {"organizations": organizations, "declarations": 0, "steps": 0, "records": 0, "packages": 0}
    packages = Packages(seed, today)
    first_declaration = (db.session.scalar(select(func.max(Declaration.id))) or 0) + 1
    start = datetime.datetime.combine(today, datetime.time(9)) - datetime.timedelta(days=365)
    outcomes, weights = zip(*OUTCOMES)
    with bulk_loading(declarations):
        for offset in range(0, declarations, BATCH_SIZE):
            declaration_rows, step_rows, record_rows = [], [], []
            for number in range(offset, min(offset + BATCH_SIZE, declarations)):
                pk = first_declaration + number
                org = first_org + rng.randrange(organizations)
                chain = chain_of[org_authority[org]]
                declaration_type = rng.choice(enterprise_types)
                batch = rng.choice(batches)
                outcome = rng.choices(outcomes, weights)[0]
                # a submission's later events take up to about 100 days: it starts early enough to end by today
                created = start + datetime.timedelta(minutes=rng.randrange(
                    525_600 if outcome in UNSUBMITTED else SUBMITTED_MINUTES))
                row = dict(id=pk, declaration_type_id=declaration_type.id, batch_id=batch, organization_id=org,
                           unit_name=org_names[org], title=f"{declaration_type.name}申报 {pk}", round=0,
                           region_id=chain.region_id, province_id=chain.province_id, form_definition_id=form_of.get(
                               (batch, declaration_type.id)), form_data={}, created_at=created, updated_at=created,
                           version=1, status=S.DRAFT.value, channel=None, submitted_at=None, pending_authority_id=None,
                           county_authority_id=None, city_authority_id=None, top_authority_id=None,
                           county_step=None, city_step=None, top_step=None, ministry_step=None, agency_id=None,
                           industry_id=org_industry[org], score=None, package_id=None, package_rank=None)
                if outcome in UNSUBMITTED:
                    row["status"] = {"draft": S.DRAFT, "evaluating": S.EVALUATING, "evaluated": S.EVALUATED}[outcome].value
                else:
                    _submitted(rng, row, chain, outcome, created, step_rows, record_rows, packages)
                declaration_rows.append(row)
            made["packages"] += packages.insert_new()
            _insert(Declaration, declaration_rows)
            _insert(ReviewStep, step_rows)
            _insert(ReviewRecord, record_rows)
            made["declarations"] += len(declaration_rows)
            made["steps"] += len(step_rows)
            made["records"] += len(record_rows)
    connection = db.session.connection()
    if connection.dialect.name == "postgresql":  # explicit ids do not move the serial sequences
        for table in (Organization.__tablename__, Declaration.__tablename__, RecommendationPackage.__tablename__,
                      Attachment.__tablename__):
            connection.exec_driver_sql(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")
    db.session.commit()
    return made


class Packages:
    """The province's recommendation packages that generated top-level approvals join, one per batch, type
    and province. About two in three have been submitted (with their stamped files); the others are still
    being put together, so their declarations wait after the province's approval and go no further."""

    def __init__(self, seed: int, today: datetime.date):
        self.seed = seed
        self.today = today
        self.next_id = (db.session.scalar(select(func.max(RecommendationPackage.id))) or 0) + 1
        self.next_attachment = (db.session.scalar(select(func.max(Attachment.id))) or 0) + 1
        self.known = {tuple(key): (pk, state == PackageState.SUBMITTED) for *key, pk, state in db.session.execute(
            select(RecommendationPackage.batch_id, RecommendationPackage.declaration_type_id,
                   RecommendationPackage.authority_id, RecommendationPackage.id, RecommendationPackage.state))}
        self.ranks = dict(db.session.execute(select(Declaration.package_id, func.max(Declaration.package_rank))
                                             .where(Declaration.package_id.is_not(None))
                                             .group_by(Declaration.package_id)).all())
        self.new_packages, self.new_files = [], []

    def submitted(self, batch_id: int, type_id: int, authority_id: int) -> bool:
        """Whether this province's package of this batch and type has gone to the ministry: decided by the key
        alone, so that declarations still at the province are never generated beside a submitted package."""
        key = (batch_id, type_id, authority_id)
        if key in self.known:
            return self.known[key][1]
        return random.Random(f"{self.seed}-{batch_id}-{type_id}-{authority_id}").random() < 0.65

    def join(self, batch_id: int, type_id: int, authority_id: int, moment) -> tuple[int, int, bool]:
        """(package id, rank in it, submitted?) for a declaration the province has just approved."""
        key = (batch_id, type_id, authority_id)
        if key not in self.known:
            submitted = self.submitted(*key)
            pk, self.next_id = self.next_id, self.next_id + 1
            files = {}
            if submitted:
                for which in ("letter", "summary"):
                    files[which] = self.next_attachment
                    self.new_files.append(dict(id=self.next_attachment, purpose=f"recommendation_{which}",
                                               storage_key=f"demo/package-{pk}-{which}.pdf",
                                               original_name=f"{'推荐函' if which == 'letter' else '推荐汇总表'}.pdf",
                                               content_type="application/pdf", size=len(DEMO_PDF),
                                               sha256=sha256_hex(DEMO_PDF), uploaded_at=moment))
                    self.next_attachment += 1
            self.new_packages.append(dict(
                id=pk, batch_id=batch_id, declaration_type_id=type_id, authority_id=authority_id,
                state=(PackageState.SUBMITTED if submitted else PackageState.DRAFT).value,
                letter_id=files.get("letter"), summary_id=files.get("summary"), version=1, created_at=moment,
                submitted_at=datetime.datetime.combine(self.today, datetime.time(9)) if submitted else None))
            self.known[key] = (pk, submitted)
        pk, submitted = self.known[key]
        self.ranks[pk] = self.ranks.get(pk, 0) + 1
        return pk, self.ranks[pk], submitted

    def insert_new(self) -> int:
        """Write the packages and stamped files made since the last call, before their declarations."""
        if self.new_files:
            root = Path(current_app.config["UPLOAD_DIR"])
            for row in self.new_files:
                (root / row["storage_key"]).parent.mkdir(parents=True, exist_ok=True)
                (root / row["storage_key"]).write_bytes(DEMO_PDF)
        _insert(Attachment, self.new_files)
        _insert(RecommendationPackage, self.new_packages)
        made = len(self.new_packages)
        self.new_packages, self.new_files = [], []
        return made


DEMO_PDF = b"%PDF-1.4\n% demo stand-in for a stamped document\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@contextmanager
def bulk_loading(rows: int):
    """Large loads write the declaration tables without their secondary indexes and build them afterwards,
    which is several times faster than keeping them up to date row by row; SQLite gets a larger page cache."""
    connection = db.session.connection()
    sqlite = connection.dialect.name == "sqlite"
    if sqlite:
        connection.exec_driver_sql("PRAGMA cache_size = -262144")  # 256 MB
    indexes = [index for model in (Declaration, ReviewStep, ReviewRecord) for index in model.__table__.indexes
               if not index.unique] if rows >= BULK_WITHOUT_INDEXES else []
    for index in indexes:
        index.drop(connection)
    try:
        yield
    finally:
        for index in indexes:
            index.create(connection)
        if sqlite:
            connection.exec_driver_sql("PRAGMA cache_size = -2000")


BULK_WITHOUT_INDEXES = 100_000


def _submitted(rng, row, chain: Chain, outcome: str, created, step_rows, record_rows, packages: Packages) -> None:
    """A submission of round 1 through the 地方 chain, stopped where `outcome` says.

    An approval by the province joins its package; while the package is not submitted the declaration
    waits there (under review, nobody's turn), whatever `outcome` was drawn."""
    applicable = [level for level, authority in chain.steps if authority is not None]
    submitted = created + datetime.timedelta(days=rng.randrange(1, 30))
    if outcome == "approved":
        approved = len(applicable)
    elif outcome == "pending":
        approved = rng.randrange(len(applicable))
    else:
        approved = rng.randrange(len(applicable))  # the level at this index returned or rejected it
    top = applicable.index(LV.TOP)
    by_level = chain.by_level
    if outcome == "pending" and approved == top and LV.MINISTRY in applicable and packages.submitted(
            row["batch_id"], row["declaration_type_id"], by_level[LV.TOP]):
        approved = top + 1  # its province has recommended this batch already: it is at the ministry now
    package = None
    if approved > top and LV.MINISTRY in applicable:
        package = packages.join(row["batch_id"], row["declaration_type_id"], by_level[LV.TOP], submitted)
        row.update(package_id=package[0], package_rank=package[1])
        if not package[2]:
            outcome, approved = "waiting", top + 1
    declaration_id = row["id"]
    row.update(status=DS.UNDER_REVIEW, channel=CHANNEL_LOCAL, round=1, submitted_at=submitted,
               updated_at=submitted, county_authority_id=by_level[LV.COUNTY], city_authority_id=by_level[LV.CITY],
               top_authority_id=by_level[LV.TOP])
    record_rows.append(dict(declaration_id=declaration_id, round=1, action="submit", level=None, authority_id=None,
                            actor_id=None, actor_name="demo", from_status=DS.DRAFT, to_status=DS.UNDER_REVIEW,
                            opinion=None, ip=None, created_at=submitted))
    moment = submitted
    last = len(applicable) - 1
    for position, (level, authority) in enumerate(chain.steps, start=1):
        started = decided = None
        if authority is None:
            state = ST.NOT_APPLICABLE
        else:
            index = applicable.index(level)
            if index < approved:
                state = ST.APPROVED
            elif index == approved and outcome == "pending":
                state = ST.IN_REVIEW
                row["pending_authority_id"] = authority
            elif index == approved and outcome in ("returned", "rejected"):
                state = ST.RETURNED if outcome == "returned" else ST.REJECTED
            else:
                state = ST.NOT_STARTED
            if state != ST.NOT_STARTED:
                started = moment
            if state in ST_DECIDED:
                moment = decided = moment + datetime.timedelta(days=rng.randrange(1, 15))
                action = ACTION_OF[state]
                to_status = {"approve": DS.APPROVED if index == last else DS.UNDER_REVIEW, "return": DS.RETURNED,
                             "reject": DS.REJECTED}[action]
                record_rows.append(dict(declaration_id=declaration_id, round=1, action=action, level=level,
                                        authority_id=authority, actor_id=None, actor_name="demo",
                                        from_status=DS.UNDER_REVIEW, to_status=to_status,
                                        opinion=None if action == "approve" else "请补充材料",
                                        ip=None, created_at=moment))
            if level == LV.TOP and package is not None and package[2]:
                moment = moment + datetime.timedelta(days=rng.randrange(1, 10))  # 提交推荐
                record_rows.append(dict(declaration_id=declaration_id, round=1, action="recommend", level=level,
                                        authority_id=authority, actor_id=None, actor_name="demo",
                                        from_status=DS.UNDER_REVIEW, to_status=DS.UNDER_REVIEW,
                                        opinion=None, ip=None, created_at=moment))
        row[COLUMN_OF[level]] = state
        step_rows.append(dict(declaration_id=declaration_id, round=1, position=position, level=level,
                              authority_id=authority, state=state, started_at=started, decided_at=decided))
    if outcome in ("approved", "returned", "rejected"):
        row["status"] = {"approved": DS.APPROVED, "returned": DS.RETURNED, "rejected": DS.REJECTED}[outcome]
    row["updated_at"] = moment


_REGION_CODES: dict[int, str] = {}


def db_region_code(region_id: int) -> str:
    if not _REGION_CODES:
        _REGION_CODES.update(db.session.execute(select(Region.id, Region.code)).all())
    return _REGION_CODES[region_id]


def _insert(model, rows: list[dict]) -> None:
    """executemany straight through the driver: the ORM's per-row processing is most of the cost here."""
    if not rows:
        return
    columns = list(rows[0])
    connection = db.session.connection()
    sqlite = connection.dialect.name == "sqlite"
    marker = "?" if connection.dialect.paramstyle == "qmark" else "%s"
    sql = (f"INSERT INTO {model.__tablename__} ({', '.join(columns)}) "
           f"VALUES ({', '.join([marker] * len(columns))})")
    types = {c.name: c.type.__class__.__name__ for c in model.__table__.columns}
    convert = [(i, (lambda v: "{}" if v == {} else json.dumps(v)) if types[c] == "JSON" else str)
               for i, c in enumerate(columns) if types[c] == "JSON" or (sqlite and types[c] == "DateTime")]
    pick = operator.itemgetter(*columns)
    values = []
    for row in rows:
        value = list(pick(row))
        for index, function in convert:
            if value[index] is not None:
                value[index] = function(value[index])
        values.append(tuple(value))
    connection.exec_driver_sql(sql, values)
