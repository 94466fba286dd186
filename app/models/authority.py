"""Competent authorities (主管部门) and the other bodies a declaration can be routed through."""
from __future__ import annotations

import enum
from typing import Optional

from flask_appbuilder import Model
from sqlalchemy import Boolean, ForeignKey, Integer, String, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.vocabulary import N_
from app.models.geo import Region
from app.models.types import IDS_NEVER_REUSED, enum_type


class AuthorityKind(enum.StrEnum):
    COUNTY = "county"
    CITY = "city"
    PROVINCE = "province"
    GROUP = "group"
    ASSOCIATION = "association"
    MINISTRY = "ministry"
    SUPERVISION = "supervision"

    @property
    def label(self) -> str:
        return AUTHORITY_KIND_LABELS[self]


AUTHORITY_KIND_LABELS = {
    AuthorityKind.COUNTY: N_("县/区级工信主管部门"),
    AuthorityKind.CITY: N_("市级工信主管部门"),
    AuthorityKind.PROVINCE: N_("省级工信主管部门"),
    AuthorityKind.GROUP: N_("中央企业集团"),
    AuthorityKind.ASSOCIATION: N_("全国性行业协会"),
    AuthorityKind.MINISTRY: N_("工业和信息化部"),
    AuthorityKind.SUPERVISION: N_("省节能监察机关"),
}

# The kinds whose reviewers sit in a review chain, lowest first.
REVIEWING_KINDS = (
    AuthorityKind.COUNTY,
    AuthorityKind.CITY,
    AuthorityKind.PROVINCE,
    AuthorityKind.GROUP,
    AuthorityKind.ASSOCIATION,
    AuthorityKind.MINISTRY,
)


class Authority(Model):
    """A body that reviews or supervises declarations.

    County, city and province authorities belong to a region and point at the next authority up
    (`parent`), which is how a review chain is found. The five 计划单列市 and 新疆生产建设兵团 recommend
    straight to the ministry, so they are of kind `province` although 深圳 is a city. Central-enterprise
    groups (`code` C001…, financial ones F001…) double as the 所属央企/银保监 choices of the profile.
    """

    __tablename__ = "authority"
    __table_args__ = (UniqueConstraint("kind", "region_id", name="uq_authority_kind_region"), IDS_NEVER_REUSED)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[AuthorityKind] = mapped_column(enum_type(AuthorityKind), index=True)
    name: Mapped[str] = mapped_column(String(128), index=True)
    code: Mapped[Optional[str]] = mapped_column(String(16), unique=True)
    region_id: Mapped[Optional[int]] = mapped_column(ForeignKey("region.id"), index=True)
    parent_id: Mapped[Optional[int]] = mapped_column(ForeignKey("authority.id"), index=True)
    is_financial: Mapped[bool] = mapped_column(Boolean, default=False)
    separately_planned: Mapped[bool] = mapped_column(Boolean, default=False)  # 计划单列市
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # A province's setting: its cities open, decide and publish the 市级 batches (app.domain.tiers).
    cities_run_city_tier: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    sort: Mapped[int] = mapped_column(Integer, default=0)

    region: Mapped[Optional[Region]] = relationship()
    parent: Mapped[Optional["Authority"]] = relationship(remote_side=[id])

    @property
    def kind_label(self) -> str:
        return AuthorityKind(self.kind).label

    def __repr__(self) -> str:
        return self.name
