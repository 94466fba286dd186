"""Loads reference data and demo accounts from seeds/. Idempotent: a second run changes nothing.

Rows are matched by their natural key (a code, or a kind and region); missing rows are added and rows
whose fields differ from the file are updated, so the files stay the source of truth.
"""
from __future__ import annotations

import csv
import datetime
import json
from collections import Counter
from decimal import Decimal
from pathlib import Path

from flask import current_app
from sqlalchemy import select

from app import clock
from app.extensions import db
from app.models import (
    Attachment,
    Authority,
    AuthorityKind,
    Batch,
    BatchTier,
    BatchWindow,
    DeclarationType,
    FormDefinition,
    Industry,
    Organization,
    OrganizationMember,
    OrgType,
    Region,
    SiteSetting,
    Subsystem,
)
from app.domain import DomainError, reference_data
from app.domain.catalog import latest_form
from app.domain.codes import org_code_of
from app.models.geo import CITY, COUNTY, PROVINCE

SEEDS = Path(__file__).resolve().parent.parent / "seeds"
MINISTRY_NAME = "工业和信息化部节能与综合利用司"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"  # the demo's stand-in for every uploaded file


def _csv(name: str) -> list[dict[str, str]]:
    with open(SEEDS / name, newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


class Loader:
    """Upserts rows and counts what it did."""

    def __init__(self):
        self.stats: Counter[str] = Counter()

    def upsert(self, model, existing: dict, key, **fields):
        row = existing.get(key)
        if row is None:
            row = model(**fields)
            db.session.add(row)
            existing[key] = row
            self.stats[f"{model.__tablename__}+"] += 1
            return row
        changed = False
        for name, value in fields.items():
            if getattr(row, name) != value:
                setattr(row, name, value)
                changed = True
        if changed:
            self.stats[f"{model.__tablename__}~"] += 1
        return row

    # --- reference data -------------------------------------------------------------------------

    def regions(self, rows: list[dict[str, str]] | None = None) -> dict[str, Region]:
        """seeds/regions.csv, or `rows` in its columns."""
        return self._tree(Region, "regions.csv", rows, reference_data.check_region, "parent_code",
                          lambda row, level, parent: dict(
                              code=row["code"], name=row["name"], level=level, kind=row["kind"],
                              parent_id=parent.id if parent else None,
                              province_id=reference_data.province_id_below(parent)))

    def industries(self, rows: list[dict[str, str]] | None = None) -> None:
        """seeds/industries.csv, or `rows` in its columns."""
        self._tree(Industry, "industries.csv", rows, reference_data.check_industry, "parent",
                   lambda row, level, parent: dict(code=row["code"], name=row["name"], level=level,
                                                   parent_id=parent.id if parent else None))

    def _tree(self, model, file: str, rows, check, parent_column: str, fields) -> dict:
        """A code tree, upper levels first, each row checked by the same rules as the console's and the import's;
        a row they refuse stops the load, naming the file, the row and the column."""
        existing = {r.code: r for r in db.session.scalars(select(model))}
        rows = _csv(file) if rows is None else rows
        columns = {reference_data.CODE: "code", reference_data.NAME: "name", reference_data.LEVEL: "level",
                   reference_data.PARENT: parent_column}
        for number, row in sorted(enumerate(rows, start=2), key=lambda item: item[1]["level"]):
            try:
                level = check(row["code"], row["name"], row["level"], row[parent_column] or None,
                              parent_exists=existing.__contains__)
            except DomainError as refused:
                column = columns[next(iter(refused.errors))]
                raise SeedError(f"seeds/{file} 第 {number} 行 {column}：{refused.message}") from refused
            parent = existing[row[parent_column]] if row[parent_column] else None
            if parent is not None and parent.id is None:
                db.session.flush()  # a parent added by an earlier row gets its id
            self.upsert(model, existing, row["code"], **fields(row, level, parent))
        db.session.flush()
        return existing

    def authorities(self, regions: dict[str, Region]) -> None:
        """The ministry; an authority for every province, city and county; supervision bodies; groups."""
        by_region = {
            (a.kind, a.region_id): a
            for a in db.session.scalars(select(Authority).where(Authority.region_id.is_not(None)))
        }
        by_code = {a.code: a for a in db.session.scalars(select(Authority).where(Authority.code.is_not(None)))}

        ministry = self.upsert(Authority, by_code, "MIIT", code="MIIT", kind=AuthorityKind.MINISTRY,
                               name=MINISTRY_NAME, parent_id=None)
        db.session.flush()

        # Provincial level: real names, including the 计划单列市 and 兵团, which report to the ministry.
        provincial = {}
        for row in _csv("provincial_authorities.csv"):
            region = regions[row["region_code"]]
            provincial[region.code] = self.upsert(
                Authority, by_region, (AuthorityKind.PROVINCE, region.id),
                kind=AuthorityKind.PROVINCE, name=row["authority_name"], region_id=region.id,
                parent_id=ministry.id, separately_planned=region.level == CITY,
            )
            self.upsert(
                Authority, by_region, (AuthorityKind.SUPERVISION, region.id),
                kind=AuthorityKind.SUPERVISION, name=row["supervision_name"], region_id=region.id, parent_id=None,
            )
        db.session.flush()

        # Cities and counties: derived names, each pointing at the authority above it.
        region_of_id = {r.id: r for r in regions.values()}
        for level in (CITY, COUNTY):
            for region in sorted((r for r in regions.values() if r.level == level), key=lambda r: r.code):
                if region.code in provincial:
                    continue  # a 计划单列市: already there as a provincial-level authority
                parent_region = region_of_id[region.parent_id]
                kind = AuthorityKind.CITY if level == CITY else AuthorityKind.COUNTY
                above = provincial.get(parent_region.code) or by_region[
                    (AuthorityKind.CITY, parent_region.id)
                ]
                self.upsert(
                    Authority, by_region, (kind, region.id),
                    kind=kind, name=f"{derived_prefix(region, parent_region)}工业和信息化局",
                    region_id=region.id, parent_id=above.id,
                )
            db.session.flush()

        for row in _csv("central_enterprises.csv"):
            self.upsert(Authority, by_code, row["code"], code=row["code"], kind=AuthorityKind.GROUP,
                        name=row["name"], is_financial=row["kind"] == "金融", parent_id=ministry.id,
                        sort=int(row["code"][1:]))
        for row in _csv("associations.csv"):
            self.upsert(Authority, by_code, row["code"], code=row["code"], kind=AuthorityKind.ASSOCIATION,
                        name=row["name"], parent_id=ministry.id, sort=int(row["code"][1:]))
        db.session.flush()

    def forms(self) -> None:
        """Every seeds/forms/*.json as a versioned definition of the type it names (a type may have several files,
        one per version); a changed file must bump its version."""
        from app.domain.forms import DefinitionError, FormDefinition as Definition

        types = {t.code: t for t in db.session.scalars(select(DeclarationType))}
        existing = {(f.declaration_type_id, f.version): f for f in db.session.scalars(select(FormDefinition))}
        for path in sorted((SEEDS / "forms").glob("*.json")):
            data = json.loads(path.read_text(encoding="utf-8"))
            try:  # the same checks as an upload in the console (app.domain.forms.check_definition)
                definition = Definition.from_dict(data, types=set(types))
            except DefinitionError as problem:
                raise RuntimeError(f"{path.name}: " + "；".join(problem.errors)) from problem
            declaration_type = types[definition.type]
            row = existing.get((declaration_type.id, definition.version))
            if row is None:
                db.session.add(FormDefinition(declaration_type_id=declaration_type.id, version=definition.version,
                                              title=definition.title, definition=data, purpose=definition.purpose))
                self.stats["form_definition+"] += 1
            elif row.definition != data:
                raise RuntimeError(f"{path.name}: content changed but version {definition.version} is already "
                                   "loaded; give the new edition a new version")
        db.session.flush()
        for window in db.session.scalars(select(BatchWindow).where(BatchWindow.form_definition_id.is_(None))):
            window.form_definition_id = latest_form(db.session, window.declaration_type_id)
            self.stats["batch_window~"] += 1

    def site_settings(self) -> None:
        """The login page's texts, created from the configuration once; IT staff edit them in the console."""
        defaults = {
            "login_notice": ("申报流程说明", "\n".join(current_app.config["LOGIN_NOTICE"])),
            "helpdesk_phone": ("咨询电话", current_app.config["HELPDESK_PHONE"]),
            "agency_project_cap": ("同一法定代表人名下机构每年国家级评价项目上限", "15"),
        }
        present = set(db.session.scalars(select(SiteSetting.key)))
        for key, (label, value) in defaults.items():
            if key not in present:
                db.session.add(SiteSetting(key=key, label=label, value=value))
                self.stats["site_setting+"] += 1

    def catalog(self) -> None:
        subsystems = {s.code: s for s in db.session.scalars(select(Subsystem))}
        for row in _csv("subsystems.csv"):
            self.upsert(Subsystem, subsystems, row["code"], code=row["code"], name=row["name"],
                        required=row["required"] == "1", has_declarations=row["has_declarations"] == "1",
                        sort=int(row["sort"]))
        db.session.flush()
        types = {t.code: t for t in db.session.scalars(select(DeclarationType))}
        for row in _csv("declaration_types.csv"):
            self.upsert(
                DeclarationType, types, row["code"], code=row["code"], name=row["name"],
                subsystem_id=subsystems[row["subsystem"]].id,
                declarant_types=row["declarant_types"].split("|"), channels=row["channels"].split("|"),
                requires_evaluation=row["requires_evaluation"] == "1",
                is_green_category=row["is_green_category"] == "1", sort=int(row["sort"]),
            )
        db.session.flush()

    # --- demo data ------------------------------------------------------------------------------

    def demo(self, today: datetime.date) -> None:
        """A batch open now and one account for every role (README lists them)."""
        data = json.loads((SEEDS / "demo.json").read_text(encoding="utf-8"))
        ministry = db.session.scalar(select(Authority).where(Authority.code == "MIIT"))
        self._demo_batch(data["batch"], ministry, today)
        organizations = {o.name: o for o in self._demo_organizations(data["organizations"])}
        self._demo_users(data["users"], data["password"], organizations)
        self._demo_licences(organizations.values())
        self._demo_provincial_round(data["provincial_round"], organizations, today)
        self._demo_filing_window(data["filing_window"], today)

    def _demo_licences(self, organizations) -> None:
        """A stand-in 营业执照 image for each demo organization without one, so that 企业信息 shows it and new
        drafts copy it into their licence field as a real registration would."""
        import io

        from PIL import Image, ImageDraw

        from app.storage import store

        have = set(db.session.scalars(select(Attachment.organization_id).where(Attachment.purpose == "licence")))
        for organization in organizations:
            if organization.id in have:
                continue
            image = Image.new("RGB", (640, 420), "#fbf7ea")
            draw = ImageDraw.Draw(image)
            draw.rectangle((12, 12, 627, 407), outline="#b3261e", width=6)
            draw.text((40, 60), "BUSINESS LICENCE (DEMO)", fill="#b3261e")
            draw.text((40, 120), organization.credit_code, fill="#333333")
            data = io.BytesIO()
            image.save(data, "PNG")
            store(data.getvalue(), original_name=f"营业执照-{organization.name}.png", purpose="licence",
                  content_type="image/png", extension=".png", organization_id=organization.id)
            self.stats["licence+"] += 1

    def _demo_batch(self, spec: dict, ministry: Authority, today: datetime.date) -> None:
        batch = db.session.scalar(
            select(Batch).where(Batch.owner_id == ministry.id, Batch.year == today.year, Batch.name == spec["name"])
        )
        if batch is not None:
            return  # the window dates were set when it was created; a rerun must not move them
        batch = Batch(name=spec["name"], year=today.year, notice_no=spec["notice_no"], tier=BatchTier.NATIONAL,
                      owner_id=ministry.id)
        opens = today - datetime.timedelta(days=spec["days_open_before"])
        closes = today + datetime.timedelta(days=spec["days_open_after"])
        pinned = spec.get("form_versions", {})  # a type's version the batch opened with, when not the newest
        for declaration_type in db.session.scalars(select(DeclarationType)):
            form_id = latest_form(db.session, declaration_type.id)
            if declaration_type.code in pinned:
                form_id = db.session.scalar(select(FormDefinition.id).where(
                    FormDefinition.declaration_type_id == declaration_type.id,
                    FormDefinition.version == pinned[declaration_type.code]))
            batch.windows.append(BatchWindow(declaration_type_id=declaration_type.id, opens_on=opens, closes_on=closes,
                                             form_definition_id=form_id))
        db.session.add(batch)
        self.stats["batch+"] += 1
        db.session.flush()

    def _demo_provincial_round(self, spec: dict, organizations: dict[str, Organization],
                               today: datetime.date) -> None:
        """Last year's 省级 round of a province (tiers), closed and published, with its listed units: opened as the
        province's 本级批次 opens one, each unit declared, reviewed up to the province, publicized and listed
        through the lifecycle at the dates it would have happened."""
        from app.domain import forms, lifecycle, publication, tiers
        from dataclasses import replace

        from app.domain.scope import Actor, Audience
        from app.models import PlatformUser
        from app.storage import store
        from app.vocabulary import DeclarationStatus

        owner = find_authority(spec["owner"])
        year = today.year - 1
        if db.session.scalar(select(Batch.id).where(Batch.owner_id == owner.id, Batch.year == year,
                                                    Batch.name == spec["name"])) is not None:
            return
        sm = current_app.appbuilder.sm
        province = Actor.of(next(u for u in db.session.scalars(select(PlatformUser)) if u.authority_id == owner.id))
        opens, closes = today - datetime.timedelta(days=330), today - datetime.timedelta(days=240)
        types = {t.code: t for t in db.session.scalars(select(DeclarationType))}
        batch = tiers.open_batch(
            db.session, province, tier=BatchTier.PROVINCIAL.value, name=spec["name"], year=year,
            notice_no=spec["notice_no"], today=opens,
            windows=[tiers.WindowInput(types[code].id, opens, closes) for code in spec["types"]])
        submitted = datetime.datetime.combine(closes - datetime.timedelta(days=20), datetime.time(10))
        for item in spec["listed"]:
            user = sm.find_user(username=item["by"])
            organization = organizations[item["organization"]]
            applicant = replace(Actor.of(user), organization_id=organization.id, org_type=organization.org_type)
            declaration = lifecycle.create(db.session, applicant, types[item["type"]], batch, submitted,
                                           contact=item["contact"])
            definition = lifecycle.definition_of(declaration)
            file = store(PDF, original_name=item["file"], purpose="form_file", content_type="application/pdf",
                         extension=".pdf", declaration_id=declaration.id, uploaded_by_id=user.id)
            values = forms.example_values(definition, file_id=file.id)  # what the demo does not spell out
            for section, fields in {**declaration.form_data, **item["content"]}.items():
                values[section] = {**values.get(section, {}), **fields} if isinstance(fields, dict) else fields
            declaration.form_data = values
            declaration.title = forms.title_of(definition, values)
            if "agency" in item:  # the type requires a third-party evaluation: chosen, evaluated, accepted
                self._demo_evaluation(declaration, applicant, organizations[item["agency"]], item["evaluation"],
                                      submitted - datetime.timedelta(days=15))
            lifecycle.apply(db.session, declaration, "submit", applicant, Audience.APPLICANT, now=submitted)
            moment = submitted
            while declaration.status == DeclarationStatus.UNDER_REVIEW:  # each level of its chain approves it
                moment += datetime.timedelta(days=3)
                reviewer = next(u for u in db.session.scalars(select(PlatformUser))
                                if u.authority_id == declaration.pending_authority_id)
                lifecycle.apply(db.session, declaration, "approve", Actor.of(reviewer), Audience.REVIEWER, now=moment)
        decided = datetime.datetime.combine(closes + datetime.timedelta(days=10), datetime.time(9))
        notice = publication.start_publicity(db.session, batch, province, decided, title=f"{spec['name']}名单公示",
                                             starts=decided.date(), ends=decided.date() + datetime.timedelta(days=9),
                                             notice="")
        publication.publish(db.session, notice, province, decided + datetime.timedelta(days=12))
        self.stats["batch+"] += 1
        self.stats["listed_unit+"] += len(spec["listed"])

    def _demo_filing_window(self, spec: dict, today: datetime.date) -> None:
        """This year's 动态管理 window of a type, open now, and the reminders the daily `flask filing remind` has
        sent so far: the listed units of the demo see what is due."""
        from app.domain import filing
        from app.models import FilingPeriod, FilingWindow

        declaration_type = db.session.scalar(select(DeclarationType).where(DeclarationType.code == spec["type"]))
        period = FilingPeriod(spec["period"])
        if db.session.scalar(select(FilingWindow.id).where(
                FilingWindow.declaration_type_id == declaration_type.id, FilingWindow.year == today.year,
                FilingWindow.period == period)) is not None:
            return
        filing.open_window(db.session, declaration_type=declaration_type, year=today.year, period=period,
                           opens_on=today - datetime.timedelta(days=spec["days_open_before"]),
                           due_on=today + datetime.timedelta(days=spec["days_due_after"]))
        filing.remind(db.session, datetime.datetime.combine(today, datetime.time(8)),
                      days_before=spec["days_due_after"])
        self.stats["filing_window+"] += 1

    def _demo_evaluation(self, declaration, applicant, agency: Organization, spec: dict,
                         moment: datetime.datetime) -> None:
        """选择第三方评价机构, 提交三方评价, and the agency's 返回评价结果 with its report, through the lifecycle."""
        from app.domain import lifecycle
        from app.domain.scope import Actor, Audience
        from app.models import PlatformUser
        from app.storage import store

        lifecycle.apply(db.session, declaration, "choose_agency", applicant, Audience.APPLICANT, now=moment,
                        agency_id=str(agency.id))
        lifecycle.apply(db.session, declaration, "request_evaluation", applicant, Audience.APPLICANT, now=moment)
        evaluator = db.session.scalars(select(PlatformUser).where(PlatformUser.active_organization_id == agency.id)
                                       .order_by(PlatformUser.id)).first()
        report = store(PDF, original_name=spec["report"], purpose="evaluation_report", content_type="application/pdf",
                       extension=".pdf", declaration_id=declaration.id, organization_id=agency.id,
                       uploaded_by_id=evaluator.id)
        agent = Actor.of(evaluator)
        lifecycle.apply(db.session, declaration, "return_evaluation", agent, Audience.AGENCY,
                        now=moment + datetime.timedelta(days=7), score=spec["score"], basic_requirements="符合",
                        highlights=spec["highlights"], report_id=str(report.id))

    def _demo_organizations(self, specs: list[dict]) -> list[Organization]:
        existing = {(o.org_type, o.credit_code): o for o in db.session.scalars(select(Organization))}
        subsystems = {s.code: s for s in db.session.scalars(select(Subsystem))}
        types = {t.code: t for t in db.session.scalars(select(DeclarationType))}
        result = []
        for spec in specs:
            authority = find_authority(spec["authority"]) if "authority" in spec else None
            org = self.upsert(
                Organization, existing, (OrgType(spec["org_type"]), spec["credit_code"]),
                org_type=OrgType(spec["org_type"]), name=spec["name"], credit_code=spec["credit_code"],
                org_code=org_code_of(spec["credit_code"]), nature=spec.get("nature"),
                industry_id=db.session.scalar(select(Industry.id).where(Industry.code == spec["industry"]))
                if "industry" in spec else None,
                legal_representative=spec.get("legal_representative"),
                legal_representative_phone=spec.get("legal_representative_phone"),
                legal_representative_id_number=spec.get("legal_representative_id_number"),
                registration_authority=spec.get("registration_authority"),
                registered_capital=Decimal(spec["registered_capital"]) if "registered_capital" in spec else None,
                founded_on=datetime.date.fromisoformat(spec["founded_on"]) if "founded_on" in spec else None,
                address=spec.get("address"),
                authority_id=authority.id if authority else None,
                region_id=authority.region_id if authority else None,
                supervision_id=supervision_for(authority).id if authority else None,
                central_enterprise_id=find_authority({"kind": "group", "name": spec["central_enterprise"]}).id
                if "central_enterprise" in spec else None,
                reviews_as_id=db.session.scalar(select(Authority.id).where(Authority.code == spec["reviews_as"]))
                if "reviews_as" in spec else None,
            )
            wanted_subsystems = [subsystems[c] for c in spec.get("subsystems", [])]
            if set(org.subsystems) != set(wanted_subsystems):
                org.subsystems = wanted_subsystems
            wanted_types = [types[c] for c in spec.get("declaration_types", [])]
            if set(org.declaration_types) != set(wanted_types):
                org.declaration_types = wanted_types
            result.append(org)
        db.session.flush()
        return result

    def _demo_users(self, specs: list[dict], password: str, organizations: dict[str, Organization]) -> None:
        sm = current_app.appbuilder.sm
        for spec in specs:
            user = sm.find_user(username=spec["username"])
            if user is not None:
                continue  # never reset a password someone may have changed
            role = sm.find_role(spec["role"])
            user = sm.add_user(
                username=spec["username"], first_name=spec["name"], last_name="",
                email=f"{spec['username']}@example.com", role=role, password=password, commit=False,
            )
            if not user:
                raise RuntimeError(f"could not create demo user {spec['username']}")
            user.phone = spec.get("phone")
            if "authority" in spec:
                user.authority_id = find_authority(spec["authority"]).id
            for name in spec.get("organizations", []):
                user.memberships.append(OrganizationMember(organization_id=organizations[name].id))
            if spec.get("organizations"):
                user.active_organization_id = organizations[spec["organizations"][0]].id
            self.stats["ab_user+"] += 1
        db.session.flush()


def derived_prefix(region: Region, parent: Region) -> str:
    """石家庄市 for a city, 石家庄市长安区 for a county, 北京市朝阳区 for a 直辖市 district."""
    if region.level == CITY:
        return region.name
    return parent.name + region.name


def find_authority(spec: dict) -> Authority:
    query = select(Authority).where(Authority.kind == AuthorityKind(spec["kind"]))
    if "region" in spec:
        query = query.join(Region, Authority.region_id == Region.id).where(Region.code == spec["region"])
    if "name" in spec:
        query = query.where(Authority.name == spec["name"])
    return db.session.execute(query).scalar_one()


def supervision_for(authority: Authority) -> Authority | None:
    """The provincial energy-saving supervision body above a region authority."""
    node = authority
    while node is not None and node.kind != AuthorityKind.PROVINCE:
        node = node.parent
    if node is None:
        return None
    return db.session.scalar(
        select(Authority).where(Authority.kind == AuthorityKind.SUPERVISION, Authority.region_id == node.region_id)
    )


class SeedError(RuntimeError):
    """A seed file the reference-data rules refuse."""


class DemoRefused(RuntimeError):
    """Demo data asked for in production."""


DEMO_REFUSED_IN_PRODUCTION = "生产环境（APP_ENV=production）不创建演示账号和演示批次：只加载参考数据和角色。"


def load(demo: bool = True, today: datetime.date | None = None) -> Counter[str]:
    """Load everything in one transaction; return what was added (+) and updated (~) per table. Production gets
    the reference data and the roles only: demo accounts with a published password would be a way in."""
    if demo and current_app.config.get("ENV_NAME") == "production":
        raise DemoRefused(DEMO_REFUSED_IN_PRODUCTION)
    loader = Loader()
    current_app.appbuilder.sm.sync_roles()
    regions = loader.regions()
    loader.industries()
    loader.authorities(regions)
    loader.catalog()
    loader.forms()
    loader.site_settings()
    if demo:
        loader.demo(today or clock.today())
    db.session.commit()
    return loader.stats
