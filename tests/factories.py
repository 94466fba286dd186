"""Test data the lifecycle would create, written directly so views and scope can be tested on their own."""
from __future__ import annotations

import datetime
import uuid

from sqlalchemy import select

from app import clock
from app.domain import figures
from app.domain.codes import make_credit_code, org_code_of
from app.vocabulary import Channel, DeclarationStatus, StepState
from app.extensions import db
from app.models import Authority, Batch, Declaration, DeclarationType, Organization, OrgType, Region  # noqa: F401


def authority(kind: str, region_code: str | None = None, name: str | None = None) -> Authority:
    query = select(Authority).where(Authority.kind == kind)
    if region_code:
        query = query.join(Region, Authority.region_id == Region.id).where(Region.code == region_code)
    if name:
        query = query.where(Authority.name == name)
    return db.session.execute(query).scalar_one()


def organization(name: str) -> Organization:
    return db.session.execute(select(Organization).where(Organization.name == name)).scalar_one()


def make_organization(name: str, county_code: str, body8: str) -> Organization:
    county = authority("county", county_code)
    credit_code = make_credit_code("91", county_code, body8)
    org = Organization(org_type=OrgType.ENTERPRISE, name=name, credit_code=credit_code,
                       org_code=org_code_of(credit_code), authority_id=county.id, region_id=county.region_id)
    db.session.add(org)
    db.session.flush()
    return org


def first_batch() -> Batch:
    """The demo's national batch (第十批), open now for every type: the batch tests declare in unless they say."""
    return db.session.scalars(select(Batch).where(Batch.tier == "national").order_by(Batch.id)).first()


def declaration(org: Organization, *, type_code: str = "green_factory", submitted: bool = True,
                chain: tuple[Authority | None, Authority | None, Authority | None] = (None, None, None),
                channel: Channel = Channel.LOCAL, agency: Organization | None = None) -> Declaration:
    """A declaration of `org`; when submitted, under review at the first level of `chain`."""
    county, city, top = chain
    declaration_type = db.session.execute(select(DeclarationType).where(DeclarationType.code == type_code)).scalar_one()
    first = next((a for a in chain if a is not None), None)
    row = Declaration(
        declaration_type_id=declaration_type.id,
        batch_id=first_batch().id,
        organization_id=org.id,
        unit_name=org.name,
        status=DeclarationStatus.UNDER_REVIEW if submitted else DeclarationStatus.DRAFT,
        channel=channel if submitted else None,
        round=1 if submitted else 0,
        agency_id=agency.id if agency else None,
        region_id=org.region_id,
        province_id=org.region.province_id or org.region_id if org.region else None,  # as lifecycle.create()
        county_authority_id=county.id if (submitted and county) else None,
        city_authority_id=city.id if (submitted and city) else None,
        top_authority_id=top.id if (submitted and top) else None,
        pending_authority_id=first.id if (submitted and first) else None,
        submitted_at=NOW - datetime.timedelta(days=5) if submitted else None,
    )
    if submitted:
        row.county_step = StepState.IN_REVIEW if county else StepState.NOT_APPLICABLE
        row.city_step = (StepState.NOT_STARTED if county else StepState.IN_REVIEW) if city else StepState.NOT_APPLICABLE
        row.top_step = StepState.NOT_STARTED
        row.ministry_step = StepState.NOT_STARTED
    db.session.add(row)
    db.session.flush()
    figures.changed(db.session, row.id, {})  # in the dashboard's summary rows, as the lifecycle puts it there
    return row


# The suite's moment: the application's clock when the tests start (CLOCK_SHIFT_DAYS moves it, see conftest).
NOW = clock.now().replace(second=0, microsecond=0)


def actor_of(username: str):
    from app.domain.scope import Actor
    from app.models import PlatformUser

    return Actor.of(db.session.execute(select(PlatformUser).where(PlatformUser.username == username)).scalar_one())


def drafted(username: str, type_code: str, batch: Batch | None = None, **content) -> Declaration:
    """A draft made by the lifecycle itself, with the content 上报 needs (in the first batch unless given)."""
    from app.domain import lifecycle

    declaration_type = db.session.execute(select(DeclarationType).where(DeclarationType.code == type_code)).scalar_one()
    from tests.form_values import complete

    from app.models import Attachment

    declaration = lifecycle.create(db.session, actor_of(username), declaration_type,
                                   batch or first_batch(), NOW)
    evidence = Attachment(purpose="form_file", storage_key=f"factory/{uuid.uuid4().hex}.pdf", original_name="证明材料.pdf",
                          content_type="application/pdf", size=1, sha256="0" * 64, declaration_id=declaration.id)
    db.session.add(evidence)
    db.session.flush()
    values = complete(lifecycle.definition_of(declaration), file_id=evidence.id)
    for path, value in content.items():  # "section.field": value overrides
        section, key = path.split(".")
        values[section][key] = value
    declaration.form_data = values
    return declaration


def act(declaration: Declaration, name: str, username: str, audience=None, **args) -> Declaration:
    from app.domain import lifecycle
    from app.domain.scope import Audience

    audience = audience or (Audience.REVIEWER if name in lifecycle.REVIEW_DECISIONS else Audience.APPLICANT)
    return lifecycle.apply(db.session, declaration, name, actor_of(username), audience, now=NOW, **args)


def recommend(declaration: Declaration, username: str) -> Declaration:
    """提交推荐 of the package the top authority's approval put `declaration` in, with stand-in stamped files."""
    from app.domain import recommendation
    from app.models import Attachment

    package = declaration.package
    for which in ("letter", "summary"):
        if getattr(package, f"{which}_id") is None:
            stamped = Attachment(purpose=recommendation.FILE_PURPOSES[which], original_name=f"{which}.pdf",
                                 storage_key=f"package/{uuid.uuid4().hex}.pdf", content_type="application/pdf",
                                 size=1, sha256="0" * 64)
            db.session.add(stamped)
            db.session.flush()
            recommendation.attach(db.session, package, which, stamped, actor_of(username), NOW)
    recommendation.submit(db.session, package, actor_of(username), NOW, ip="127.0.0.1")
    return declaration


def new_batch(name: str, *type_codes: str) -> Batch:
    """A national batch of the ministry, open now for the given types (every type without any): tests whose
    declarations go through a province's package, or that publish, take their own."""
    from app.models import BatchWindow

    first = first_batch()
    batch = Batch(name=name, year=NOW.year, tier="national", owner_id=first.owner_id)
    db.session.add(batch)
    db.session.flush()
    for window in first.windows:
        if not type_codes or window.declaration_type.code in type_codes:
            db.session.add(BatchWindow(batch_id=batch.id, declaration_type_id=window.declaration_type_id,
                                       opens_on=window.opens_on, closes_on=window.closes_on,
                                       form_definition_id=window.form_definition_id))
    db.session.flush()
    return batch


def in_package(batch: Batch | None = None, count: int = 1) -> list[Declaration]:
    """Declarations of 绿源 approved by 长安区, 石家庄 and 河北省: waiting in 河北省's package."""
    declarations = []
    for _ in range(count):
        declaration = act(drafted("qiye", "energy_saving_tech", batch), "submit", "qiye")
        for username in ("changan", "shijiazhuang", "hebeisheng"):
            act(declaration, "approve", username)
        declarations.append(declaration)
    return declarations


def one_per_status() -> dict[str, int]:
    """Declarations of qiye in every status a list row can show (草稿, 退回修改, 审核中, 三方评价中); the caller commits
    and removes them with `remove`."""
    agency = db.session.scalar(select(Organization.id).where(Organization.name == "河北绿标认证评价有限公司"))
    draft = drafted("qiye", "energy_saving_tech")
    under_review = act(drafted("qiye", "energy_saving_tech"), "submit", "qiye")
    returned = act(act(drafted("qiye", "energy_saving_tech"), "submit", "qiye"), "return", "changan",
                   opinion="请补充节能量测算依据")
    evaluating = drafted("qiye", "green_factory")
    act(evaluating, "choose_agency", "qiye", agency_id=str(agency))
    act(evaluating, "request_evaluation", "qiye")
    return {"draft": draft.id, "under_review": under_review.id, "returned": returned.id,
            "evaluating": evaluating.id}


def remove(ids) -> None:
    """Delete declarations with everything that points at them (steps, records, rounds, files' rows)."""
    from sqlalchemy import delete

    ids = list(ids)
    counted = {pk: figures.contribution(db.session, pk) for pk in ids}
    for table in reversed(Declaration.metadata.sorted_tables):
        if "declaration_id" in table.c and table.name != "declaration":
            db.session.execute(delete(table).where(table.c.declaration_id.in_(ids)))
    db.session.execute(delete(Declaration).where(Declaration.id.in_(ids)))
    for pk, before in counted.items():
        figures.changed(db.session, pk, before)


def listed_unit(org: Organization, chain, *, type_code: str = "green_factory", on=None):
    """A listed unit of `org` (tier 国家级 of the first batch), its declaration reviewed through `chain`
    (county, city, province) and listed by the ministry, as 发布名单 lists it, at `on` (a datetime; NOW)."""
    from app.domain import listing
    from app.vocabulary import DeclarationStatus as S

    row = declaration(org, type_code=type_code, chain=chain)
    row.status, row.pending_authority_id = S.LISTED, None
    db.session.flush()
    unit = listing.enter(db.session, row, actor_of("gongxinbu"), on or NOW)
    db.session.flush()
    return unit
