"""Administrative regions (GB/T 2260)."""
from __future__ import annotations

from typing import Optional

from flask_appbuilder import Model
from sqlalchemy import CheckConstraint, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.vocabulary import N_
from app.models.types import IDS_NEVER_REUSED

PROVINCE, CITY, COUNTY = 1, 2, 3
LEVEL_LABELS = {PROVINCE: N_("省级"), CITY: N_("地市级"), COUNTY: N_("区县级")}


class Region(Model):
    """A province-, city- or county-level division.

    Not every county sits under a city: the districts of the 直辖市 and the 省直辖县级行政区划 hang
    directly from their province, and a few cities (东莞, 中山, 儋州, 嘉峪关) have no counties at all.
    `province_id` is kept on every row so that "everything in a province" needs no tree walk.
    """

    __tablename__ = "region"
    __table_args__ = (CheckConstraint("level in (1, 2, 3)", name="ck_region_level"), IDS_NEVER_REUSED)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(6), unique=True)
    name: Mapped[str] = mapped_column(String(64))
    level: Mapped[int] = mapped_column(Integer, index=True)
    kind: Mapped[str] = mapped_column(String(16))  # 省, 直辖市, 自治区, 地级市, 自治州, 市辖区, 县, 县级市, 旗 …
    parent_id: Mapped[Optional[int]] = mapped_column(ForeignKey("region.id"), index=True)
    province_id: Mapped[Optional[int]] = mapped_column(ForeignKey("region.id"), index=True)

    parent: Mapped[Optional["Region"]] = relationship(remote_side=[id], foreign_keys=[parent_id])

    @property
    def level_label(self) -> str:
        return LEVEL_LABELS[self.level]

    @property
    def full_name(self) -> str:
        """北京市朝阳区, 河北省石家庄市长安区: the names from the province down."""
        names, node = [], self
        while node is not None:
            names.append(node.name)
            node = node.parent
        return "".join(reversed(names))

    def __repr__(self) -> str:
        return self.name
