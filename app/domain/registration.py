"""Self-registration of the five user types (SPEC §2): which fields each type fills, and their checks.

`check()` returns every problem at once, keyed by field, so the page can show each message next to its
field and keep everything the user typed. Nothing here writes; `build_organization()` makes the row.
"""
from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.vocabulary import DeclarationStatus, N_
from app.domain.accounts import (
    capital_error,
    codes_error,
    email_error,
    founded_error,
    normalize_credit_code,
    normalize_org_code,
    password_error,
    phone_error,
    username_error,
)
from app.models import (
    Authority,
    AuthorityKind,
    Declaration,
    DeclarationType,
    Industry,
    Organization,
    OrgType,
    PlatformUser,
    Region,
    Subsystem,
)
from app.models.organization import CURRENCIES, ENTERPRISE_NATURES
from app.domain.agency import id_number_error, normalize_id_number

REQUIRED_SUBSYSTEM = "green_system"


@dataclass(frozen=True)
class TypeSpec:
    """What one user type fills in: the optional sections it shows and which of them are required."""

    name_label: str
    licence_label: str
    enterprise_fields: bool  # 企业性质, 所属行业, 注册资金 and 币种
    subsidiary: bool  # 所属央企/银保监
    routed: bool  # declares, so it chooses a 上级主管部门 and the types it will declare
    supervision: bool  # chooses its 省节能监察机关


TYPES = {
    OrgType.ENTERPRISE: TypeSpec(N_("企业名称"), N_("营业执照"), True, True, True, True),
    OrgType.PARK: TypeSpec(N_("园区管理机构名称"), N_("营业执照或法人证书"), False, False, True, True),
    OrgType.AGENCY: TypeSpec(N_("机构名称"), N_("营业执照"), True, False, False, False),
    OrgType.ASSOCIATION: TypeSpec(N_("协会名称"), N_("社会团体法人登记证书"), False, False, False, False),
    OrgType.INSTITUTE: TypeSpec(N_("单位名称"), N_("法人证书或登记证书"), False, False, True, False),
}


@dataclass
class Application:
    """What the registration page submitted, as text, before any check."""

    username: str = ""
    password: str = ""
    confirm_password: str = ""
    name: str = ""
    credit_code: str = ""
    org_code: str = ""
    nature: str = ""
    industry: str = ""
    legal_representative: str = ""
    legal_representative_phone: str = ""
    legal_representative_id_number: str = ""  # agencies only: who the legal representative is (app.domain.agency)
    registration_authority: str = ""
    registered_capital: str = ""
    currency: str = "人民币"
    founded_on: str = ""
    address: str = ""
    is_subsidiary: bool = False
    central_enterprise: str = ""
    subsystems: list[str] = field(default_factory=list)
    declaration_types: list[str] = field(default_factory=list)
    province: str = ""
    city: str = ""
    county: str = ""
    supervision: str = ""
    contact_name: str = ""
    phone: str = ""
    email: str = ""


@dataclass
class Checked:
    """The parsed values of a valid application."""

    credit_code: str
    org_code: str
    founded_on: datetime.date | None
    registered_capital: Decimal | None
    industry: Industry | None
    central_enterprise: Authority | None
    authority: Authority | None
    supervision: Authority | None
    subsystems: list[Subsystem]
    declaration_types: list[DeclarationType]


def check(app: Application, org_type: OrgType, session: Session, today: datetime.date,
          allow_duplicate_code: bool = False) -> tuple[dict[str, str], Checked | None]:
    """Every problem of a registration at once: the account, the organization, its contact."""
    errors = check_account(app, session)
    org_errors, checked = check_organization(app, org_type, session, today, allow_duplicate_code=allow_duplicate_code)
    errors.update(org_errors)
    return errors, (None if errors else checked)


def check_account(app: Application, session: Session) -> dict[str, str]:
    errors: dict[str, str] = {}
    need = _need(app, errors)
    if need("username") and (message := username_error(app.username.strip())):
        errors["username"] = message
    elif app.username and session.scalar(
        select(func.count()).where(func.lower(PlatformUser.username) == app.username.strip().lower())
    ):
        errors["username"] = N_("该用户登录名已被使用")
    if need("password") and (message := password_error(app.password, app.username.strip())):
        errors["password"] = message
    if app.password != app.confirm_password:
        errors["confirm_password"] = N_("两次输入的密码不一致")
    need("contact_name")
    if need("phone") and (message := phone_error(app.phone)):
        errors["phone"] = message
    if need("email"):
        if message := email_error(app.email):
            errors["email"] = message
        elif session.scalar(select(func.count()).where(func.lower(PlatformUser.email) == app.email.strip().lower())):
            errors["email"] = N_("该电子邮箱已被其他账户使用")
    return errors


def check_organization(app: Application, org_type: OrgType, session: Session, today: datetime.date, *,
                       current: Organization | None = None,
                       allow_duplicate_code: bool = False) -> tuple[dict[str, str], Checked | None]:
    """The organization's fields; `current` is the row being edited in the profile, if any."""
    spec = TYPES[org_type]
    errors: dict[str, str] = {}
    need = _need(app, errors)

    need("name")
    if len(app.name.strip()) > 100:
        errors["name"] = N_("名称不能超过 100 个字")
    credit_code, org_code = normalize_credit_code(app.credit_code), normalize_org_code(app.org_code)
    need("credit_code")
    need("org_code")
    errors.update(codes_error(credit_code, org_code))
    duplicate = select(func.count()).where(Organization.credit_code == credit_code, Organization.org_type == org_type)
    if current is not None:
        duplicate = duplicate.where(Organization.id != current.id)
    if "credit_code" not in errors and not allow_duplicate_code and session.scalar(duplicate):
        errors["credit_code"] = N_("该统一社会信用代码已注册过同类型账户，如需再开账户请联系系统管理员")
    if need("legal_representative") and len(app.legal_representative) > 32:
        errors["legal_representative"] = N_("不能超过 32 个字")
    if need("legal_representative_phone") and (message := phone_error(app.legal_representative_phone)):
        errors["legal_representative_phone"] = message
    if org_type == OrgType.AGENCY and need("legal_representative_id_number", N_("请填写法定代表人居民身份证号码")) \
            and (message := id_number_error(normalize_id_number(app.legal_representative_id_number), today)):
        errors["legal_representative_id_number"] = message
    founded = _date(app.founded_on, "founded_on", errors)
    if founded and (message := founded_error(founded, today)):
        errors["founded_on"] = message

    capital = industry = None
    if spec.enterprise_fields:
        if need("nature") and app.nature not in ENTERPRISE_NATURES:
            errors["nature"] = N_("请选择企业性质")
        if need("industry"):
            industry = session.scalar(select(Industry).where(Industry.code == app.industry, Industry.level == 4))
            if industry is None:
                errors["industry"] = N_("请选择国民经济行业分类中的小类")
        if need("registered_capital"):
            if message := capital_error(app.registered_capital):
                errors["registered_capital"] = message
            else:
                capital = Decimal(app.registered_capital.replace(",", "").strip())
        if app.currency not in CURRENCIES:
            errors["currency"] = N_("请选择币种")

    central = None
    if spec.subsidiary and app.is_subsidiary:
        if need("central_enterprise", N_("央企子公司请选择所属的央企母公司")):
            central = session.scalar(select(Authority).where(
                Authority.code == app.central_enterprise, Authority.kind == AuthorityKind.GROUP))
            if central is None:
                errors["central_enterprise"] = N_("请从列表中选择所属央企/银保监")

    subsystems = session.scalars(select(Subsystem).where(Subsystem.code.in_(app.subsystems or []),
                                                         Subsystem.active.is_(True))).all()
    types = session.scalars(select(DeclarationType).where(
        DeclarationType.code.in_(app.declaration_types or []), DeclarationType.active.is_(True))).all()
    authority = supervision = None
    if any(org_type.value not in (t.declarant_types or []) for t in types) or len(types) != len(
            set(app.declaration_types or [])):
        errors["declaration_types"] = N_("所选类型中有本单位类型不能申报的项目")
    if spec.routed:
        if org_type == OrgType.ENTERPRISE and REQUIRED_SUBSYSTEM not in {s.code for s in subsystems}:
            errors["subsystems"] = N_("请至少开通绿色制造体系子系统")
        elif not subsystems:
            errors["subsystems"] = N_("请至少开通一个子系统")
        if not types:
            errors.setdefault("declaration_types", N_("请至少选择一个上报绿色制造类型"))
        authority, message = competent_authority(session, app.province, app.city, app.county)
        if message:
            errors["authority"] = message
        elif current is not None and (message := authority_change_error(session, current, authority)):
            errors["authority"] = message
    if spec.supervision:
        supervision = session.scalar(select(Authority).where(
            Authority.id == _int(app.supervision), Authority.kind == AuthorityKind.SUPERVISION))
        if supervision is None:
            errors["supervision"] = N_("请选择省节能监察机关")

    if errors:
        return errors, None
    return {}, Checked(credit_code, org_code, founded, capital, industry, central, authority, supervision,
                       list(subsystems), list(types))


def authority_change_error(session: Session, organization: Organization, authority: Authority) -> str | None:
    """The 上级主管部门 decides routing, so it cannot move under a declaration in review (manual FAQ 4)."""
    if organization.authority_id == authority.id:
        return None
    in_review = session.scalar(select(func.count()).where(
        Declaration.organization_id == organization.id, Declaration.status == DeclarationStatus.UNDER_REVIEW))
    if in_review:
        return N_("本单位有申报正在上级主管部门审核中，不能修改上级主管部门。请先取消上报，修改后再重新上报。")
    return None


def _need(app: Application, errors: dict[str, str]):
    def need(name: str, message: str = N_("此项必填")) -> bool:
        if not str(getattr(app, name) or "").strip():
            errors.setdefault(name, message)
            return False
        return True

    return need


def competent_authority(session: Session, province: str, city: str, county: str) -> tuple[Authority | None, str | None]:
    """The authority of the deepest region chosen in the cascade, after checking the three agree."""
    codes = [c for c in (province, city, county) if c]
    if not province:
        return None, N_("请选择上级主管部门（至少选择省级）")
    regions = {r.code: r for r in session.scalars(select(Region).where(Region.code.in_(codes)))}
    if len(regions) != len(codes):
        return None, N_("所选地区不存在，请重新选择")
    chosen = regions[codes[-1]]
    parent_of = {r.code: r.parent_id for r in regions.values()}
    if city and regions[city].parent_id != regions[province].id:
        return None, N_("所选市不属于所选省")
    if county and parent_of[county] not in {regions[city].id if city else regions[province].id}:
        return None, N_("所选区县不属于所选省市")
    authority = session.scalar(select(Authority).where(
        Authority.region_id == chosen.id,
        Authority.kind.in_([AuthorityKind.PROVINCE, AuthorityKind.CITY, AuthorityKind.COUNTY]),
        Authority.active.is_(True)))
    if authority is None:
        return None, N_("所选地区暂无工信主管部门，请选择上一级")
    return authority, None


def build_organization(app: Application, org_type: OrgType, checked: Checked) -> Organization:
    organization = Organization(org_type=org_type)
    apply_profile(organization, app, checked)
    return organization


def apply_profile(organization: Organization, app: Application, checked: Checked) -> None:
    """Write a checked application onto an organization (new, or edited in the profile)."""
    for name, value in dict(
        name=app.name.strip(),
        credit_code=checked.credit_code,
        org_code=checked.org_code,
        nature=app.nature or None,
        industry_id=checked.industry.id if checked.industry else None,
        legal_representative=app.legal_representative.strip(),
        legal_representative_phone=app.legal_representative_phone.strip(),
        legal_representative_id_number=normalize_id_number(app.legal_representative_id_number) or None
        if organization.org_type == OrgType.AGENCY else None,
        registration_authority=app.registration_authority.strip() or None,
        registered_capital=checked.registered_capital,
        currency=app.currency or "人民币",
        founded_on=checked.founded_on,
        address=app.address.strip() or None,
        central_enterprise_id=checked.central_enterprise.id if checked.central_enterprise else None,
        authority_id=checked.authority.id if checked.authority else None,
        region_id=checked.authority.region_id if checked.authority else None,
        supervision_id=checked.supervision.id if checked.supervision else None,
        subsystems=checked.subsystems,
        declaration_types=checked.declaration_types,
    ).items():
        setattr(organization, name, value)


def _date(text: str, name: str, errors: dict[str, str]) -> datetime.date | None:
    if not (text or "").strip():
        return None
    try:
        return datetime.date.fromisoformat(text.strip())
    except ValueError:
        errors[name] = N_("日期格式应为 YYYY-MM-DD")
        return None


def _int(text: str) -> int | None:
    try:
        number = int(text)
    except (TypeError, ValueError):
        return None
    return number if 0 < number < 2**31 else None
