"""What can be declared, and when: industries, subsystems, declaration types, batches and their windows."""
from __future__ import annotations

import datetime
import enum
from typing import Optional

from flask_appbuilder import Model
from sqlalchemy import JSON, Boolean, Date, DateTime, ForeignKey, Integer, String, UniqueConstraint, false, func
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.vocabulary import N_
from app.models.authority import Authority
from app.models.types import IDS_NEVER_REUSED, enum_type


class Industry(Model):
    """GB/T 4754-2017 国民经济行业分类: 门类 (A-T), 大类 (2 digits), 中类 (3), 小类 (4)."""

    __tablename__ = "industry"
    __table_args__ = (IDS_NEVER_REUSED,)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(4), unique=True)
    name: Mapped[str] = mapped_column(String(128))
    level: Mapped[int] = mapped_column(Integer, index=True)
    parent_id: Mapped[Optional[int]] = mapped_column(ForeignKey("industry.id"), index=True)

    parent: Mapped[Optional["Industry"]] = relationship(remote_side=[id])

    def __repr__(self) -> str:
        return f"{self.code} {self.name}"


class Subsystem(Model):
    """A business area an organization opens (开通子系统): 绿色制造体系, 技术目录 …"""

    __tablename__ = "subsystem"
    __table_args__ = (IDS_NEVER_REUSED,)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    required: Mapped[bool] = mapped_column(Boolean, default=False)  # every enterprise opens it
    has_declarations: Mapped[bool] = mapped_column(Boolean, default=False)  # a menu of this platform
    sort: Mapped[int] = mapped_column(Integer, default=0)
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    def __repr__(self) -> str:
        return self.name


class DeclarationType(Model):
    """A kind of declaration, as data (SPEC §3): its menu, who may declare it, and how it is reviewed.

    `declarant_types` lists organization types (see OrgType); `channels` lists the review channels
    (local, group, association) a declaration of this type may take.
    """

    __tablename__ = "declaration_type"
    __table_args__ = (IDS_NEVER_REUSED,)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    subsystem_id: Mapped[int] = mapped_column(ForeignKey("subsystem.id"), index=True)
    declarant_types: Mapped[list] = mapped_column(JSON, default=list)
    channels: Mapped[list] = mapped_column(JSON, default=list)
    requires_evaluation: Mapped[bool] = mapped_column(Boolean, default=False)
    is_green_category: Mapped[bool] = mapped_column(Boolean, default=False)  # a 上报绿色制造类型 choice
    sort: Mapped[int] = mapped_column(Integer, default=0)
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    subsystem: Mapped[Subsystem] = relationship()

    def __repr__(self) -> str:
        return self.name


class BatchTier(enum.StrEnum):
    NATIONAL = "national"
    PROVINCIAL = "provincial"
    CITY = "city"

    @property
    def label(self) -> str:
        return {"national": N_("国家级"), "provincial": N_("省级"), "city": N_("市级")}[self.value]


class Batch(Model):
    """A declaration round (批次) opened by notice, owned by the ministry or by a province.

    A province's own batch (省级 or 市级 tier) ends with the province's decision, without a ministry step.
    """

    __tablename__ = "batch"
    __table_args__ = (UniqueConstraint("owner_id", "year", "name", name="uq_batch_owner_year_name"), IDS_NEVER_REUSED)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(32))  # 第十批
    year: Mapped[int] = mapped_column(Integer, index=True)
    notice_no: Mapped[Optional[str]] = mapped_column(String(64))  # 工信厅节函〔2026〕xx号
    tier: Mapped[BatchTier] = mapped_column(enum_type(BatchTier), default=BatchTier.NATIONAL)
    owner_id: Mapped[int] = mapped_column(ForeignKey("authority.id"), index=True)

    owner: Mapped[Authority] = relationship()
    windows: Mapped[list["BatchWindow"]] = relationship(
        back_populates="batch", cascade="all, delete-orphan", order_by="BatchWindow.declaration_type_id"
    )

    @property
    def title(self) -> str:
        return self.title_of(self.year, self.name)

    @staticmethod
    def title_of(year: int, name: str) -> str:
        """How a batch is named everywhere (lists, exports, dashboards), from its columns alone; a name that
        already begins with its year (2026年度…, 2026年…) is not given it twice."""
        return name if str(name).startswith(f"{year}年") else f"{year}年度 {name}"

    def __repr__(self) -> str:
        return self.title


class BatchWindow(Model):
    """The dates between which applicants of one declaration type may create and 上报 in a batch."""

    __tablename__ = "batch_window"
    __table_args__ = (UniqueConstraint("batch_id", "declaration_type_id", name="uq_window_batch_type"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("batch.id"), index=True)
    declaration_type_id: Mapped[int] = mapped_column(ForeignKey("declaration_type.id"), index=True)
    opens_on: Mapped[datetime.date] = mapped_column(Date)
    closes_on: Mapped[datetime.date] = mapped_column(Date)
    form_definition_id: Mapped[Optional[int]] = mapped_column(ForeignKey("form_definition.id"))
    # The last day each review level may act on this type in this batch; None: no deadline.
    county_deadline: Mapped[Optional[datetime.date]] = mapped_column(Date)
    city_deadline: Mapped[Optional[datetime.date]] = mapped_column(Date)
    top_deadline: Mapped[Optional[datetime.date]] = mapped_column(Date)
    ministry_deadline: Mapped[Optional[datetime.date]] = mapped_column(Date)
    # 新增填报 here needs a valid (有效) 省级 listing of the same type (app.domain.tiers.listing_refusal).
    requires_provincial_listing: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())

    batch: Mapped[Batch] = relationship(back_populates="windows")
    declaration_type: Mapped[DeclarationType] = relationship()
    form_definition: Mapped[Optional["FormDefinition"]] = relationship()

    def state_on(self, day: datetime.date) -> str:
        if day < self.opens_on:
            return N_("未开始")
        if day > self.closes_on:
            return N_("已截止")
        return N_("进行中")


class FormDefinition(Model):
    """One version of a declaration type's form (seeds/forms/<type>.json). Rows are never edited in place:
    a new edition is a new version, and batch windows and declarations keep the version they started with."""

    __tablename__ = "form_definition"
    __table_args__ = (UniqueConstraint("declaration_type_id", "version", name="uq_form_type_version"), IDS_NEVER_REUSED)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    declaration_type_id: Mapped[int] = mapped_column(ForeignKey("declaration_type.id"), index=True)
    version: Mapped[str] = mapped_column(String(32))
    title: Mapped[str] = mapped_column(String(100))
    definition: Mapped[dict] = mapped_column(JSON)
    loaded_at: Mapped[datetime.datetime] = mapped_column(DateTime, server_default=func.now())
    # what the definition is the form of: a declaration (申报书), or the yearly 动态管理表 of listed units
    purpose: Mapped[str] = mapped_column(String(16), default="declaration", server_default="declaration")

    declaration_type: Mapped[DeclarationType] = relationship()

    def __repr__(self) -> str:
        return f"{self.title} {self.version}"
