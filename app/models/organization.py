"""Organizations (申报单位, agencies, associations …), their users, and who belongs to which."""
from __future__ import annotations

import datetime
import enum
from decimal import Decimal
from typing import Optional

from flask_appbuilder import Model
from flask_appbuilder.security.sqla.models import User as FabUser
from sqlalchemy import (
    Boolean,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Integer,
    Numeric,
    String,
    Table,
    Text,
    UniqueConstraint,
    func,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.vocabulary import N_
from app.models.authority import Authority
from app.models.catalog import DeclarationType, Industry, Subsystem
from app.models.geo import Region
from app.models.types import IDS_NEVER_REUSED, enum_type


class OrgType(enum.StrEnum):
    """The five self-registering user types (SPEC §1)."""

    ENTERPRISE = "enterprise"
    PARK = "park"
    AGENCY = "agency"
    ASSOCIATION = "association"
    INSTITUTE = "institute"

    @property
    def label(self) -> str:
        return ORG_TYPE_LABELS[self]


ORG_TYPE_LABELS = {
    OrgType.ENTERPRISE: N_("企业用户"),
    OrgType.PARK: N_("园区用户"),
    OrgType.AGENCY: N_("第三方机构用户"),
    OrgType.ASSOCIATION: N_("协会用户"),
    OrgType.INSTITUTE: N_("非企业组织用户"),
}

CURRENCIES = ("人民币", "美元", "欧元", "港元", "日元", "英镑", "其他")
ENTERPRISE_NATURES = ("国有企业", "集体企业", "民营企业", "中外合资企业", "港澳台企业", "外商独资企业", "其他")

organization_subsystem = Table(
    "organization_subsystem",
    Model.metadata,
    Column("organization_id", ForeignKey("organization.id", ondelete="CASCADE"), primary_key=True),
    Column("subsystem_id", ForeignKey("subsystem.id"), primary_key=True),
)

organization_declaration_type = Table(
    "organization_declaration_type",
    Model.metadata,
    Column("organization_id", ForeignKey("organization.id", ondelete="CASCADE"), primary_key=True),
    Column("declaration_type_id", ForeignKey("declaration_type.id"), primary_key=True),
)


class Organization(Model):
    """An organization with the profile of SPEC §2.

    `authority` is the chosen 上级主管部门: it decides where declarations are routed. `region` is the
    region of that authority (county, city or province), kept so lists can filter by place. An
    association organization reviews as `reviews_as`, its row among the authorities. The 营业执照 is
    the organization's newest attachment with purpose "licence".
    """

    __tablename__ = "organization"
    __table_args__ = (IDS_NEVER_REUSED,)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    org_type: Mapped[OrgType] = mapped_column(enum_type(OrgType), index=True)
    name: Mapped[str] = mapped_column(String(128), index=True)
    credit_code: Mapped[str] = mapped_column(String(18), index=True)  # 统一社会信用代码, upper case
    org_code: Mapped[str] = mapped_column(String(10))  # 组织机构代码, XXXXXXXX-C
    nature: Mapped[Optional[str]] = mapped_column(String(16))  # 企业性质
    industry_id: Mapped[Optional[int]] = mapped_column(ForeignKey("industry.id"), index=True)
    legal_representative: Mapped[Optional[str]] = mapped_column(String(64))
    legal_representative_phone: Mapped[Optional[str]] = mapped_column(String(32))
    # 居民身份证号码 of the legal representative (GB 11643, upper case): agencies with the same number share the
    # yearly cap of national evaluation projects (app/domain/agency.py)
    legal_representative_id_number: Mapped[Optional[str]] = mapped_column(String(18), index=True)
    registration_authority: Mapped[Optional[str]] = mapped_column(String(128))  # 注册机关
    registered_capital: Mapped[Optional[Decimal]] = mapped_column(Numeric(18, 2))
    currency: Mapped[str] = mapped_column(String(8), default="人民币")
    founded_on: Mapped[Optional[datetime.date]] = mapped_column(Date)
    address: Mapped[Optional[str]] = mapped_column(String(256))
    introduction: Mapped[Optional[str]] = mapped_column(Text)
    central_enterprise_id: Mapped[Optional[int]] = mapped_column(ForeignKey("authority.id"), index=True)
    authority_id: Mapped[Optional[int]] = mapped_column(ForeignKey("authority.id"), index=True)
    supervision_id: Mapped[Optional[int]] = mapped_column(ForeignKey("authority.id"))
    reviews_as_id: Mapped[Optional[int]] = mapped_column(ForeignKey("authority.id"), unique=True)
    region_id: Mapped[Optional[int]] = mapped_column(ForeignKey("region.id"), index=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime.datetime] = mapped_column(DateTime, server_default=func.now())

    industry: Mapped[Optional[Industry]] = relationship()
    central_enterprise: Mapped[Optional[Authority]] = relationship(foreign_keys=[central_enterprise_id])
    authority: Mapped[Optional[Authority]] = relationship(foreign_keys=[authority_id])
    supervision: Mapped[Optional[Authority]] = relationship(foreign_keys=[supervision_id])
    reviews_as: Mapped[Optional[Authority]] = relationship(foreign_keys=[reviews_as_id])
    region: Mapped[Optional[Region]] = relationship()
    subsystems: Mapped[list[Subsystem]] = relationship(secondary=organization_subsystem)
    declaration_types: Mapped[list[DeclarationType]] = relationship(secondary=organization_declaration_type)

    @property
    def type_label(self) -> str:
        return OrgType(self.org_type).label

    def __repr__(self) -> str:
        return self.name


class OrganizationMember(Model):
    """A user's link to an organization; a person linked to several switches the active one (切换用户)."""

    __tablename__ = "organization_member"
    __table_args__ = (UniqueConstraint("user_id", "organization_id", name="uq_member_user_org"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("ab_user.id", ondelete="CASCADE"), index=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organization.id", ondelete="CASCADE"), index=True)
    is_manager: Mapped[bool] = mapped_column(Boolean, default=True)

    organization: Mapped[Organization] = relationship()


class PlatformUser(FabUser):
    """Flask-AppBuilder's user, extended with what scopes its data.

    Applicants, agencies and associations act for `active_organization`; reviewers act for
    `authority`. The data scope of every view follows these two columns and nothing else.
    """

    __tablename__ = "ab_user"

    phone: Mapped[Optional[str]] = mapped_column(String(32), nullable=True)
    locked_until: Mapped[Optional[datetime.datetime]] = mapped_column(DateTime, nullable=True)
    # Kept in the session at sign-in; raising it ends every session signed in before (app/security/sessions.py).
    session_epoch: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    authority_id: Mapped[Optional[int]] = mapped_column(ForeignKey("authority.id"), nullable=True, index=True)
    active_organization_id: Mapped[Optional[int]] = mapped_column(
        ForeignKey("organization.id"), nullable=True, index=True
    )

    authority: Mapped[Optional[Authority]] = relationship(foreign_keys=[authority_id])
    active_organization: Mapped[Optional[Organization]] = relationship(foreign_keys=[active_organization_id])
    memberships: Mapped[list[OrganizationMember]] = relationship(
        foreign_keys=[OrganizationMember.user_id], cascade="all, delete-orphan"
    )
