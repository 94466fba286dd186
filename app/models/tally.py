"""The 数据看板's figures kept as summary rows (issue 18): how many declarations of each kind a review scope holds.

One row per review scope and per combination of what the dashboard counts by. Every change of a declaration's
state adds its difference here in the same transaction (`app.domain.figures`), so the dashboard sums a few
thousand rows instead of scanning a million declarations. The rows are derived data: `flask figures rebuild`
computes them again from the declarations and their review steps.
"""
from __future__ import annotations

from flask_appbuilder import Model
from sqlalchemy import BigInteger, Boolean, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from app.vocabulary import ReviewLevel

# "No value" in a key column (a key column takes part in ON CONFLICT, where NULLs would never match).
NONE = 0
NO_LEVEL = ""


class DeclarationTally(Model):
    """How many declarations of one kind lie in one review scope, and how long their levels took to decide.

    `scope_id` is the reviewing authority whose scope it is, or `app.domain.scope.NATIONAL_SCOPE` for the
    ministry's. `level` is the level the declarations are in review at (empty when none is), `in_package` says
    they wait in their top authority's unsubmitted recommendation package. Rows of the national scope keep the
    province only (`region_id` is NONE), which keeps them few; a regional scope's rows keep the declaration's
    own region as well. For each level, `<level>_decided` counts the review steps with a start and a decision
    (every round) and `<level>_seconds` adds up how long they took.
    """

    __tablename__ = "declaration_tally"

    scope_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    declaration_type_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    batch_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    status: Mapped[str] = mapped_column(String(24), primary_key=True)
    level: Mapped[str] = mapped_column(String(16), primary_key=True)
    in_package: Mapped[bool] = mapped_column(Boolean, primary_key=True)
    province_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    region_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    declarations: Mapped[int] = mapped_column(Integer, default=0)
    county_decided: Mapped[int] = mapped_column(Integer, default=0)
    county_seconds: Mapped[int] = mapped_column(BigInteger, default=0)
    city_decided: Mapped[int] = mapped_column(Integer, default=0)
    city_seconds: Mapped[int] = mapped_column(BigInteger, default=0)
    top_decided: Mapped[int] = mapped_column(Integer, default=0)
    top_seconds: Mapped[int] = mapped_column(BigInteger, default=0)
    ministry_decided: Mapped[int] = mapped_column(Integer, default=0)
    ministry_seconds: Mapped[int] = mapped_column(BigInteger, default=0)


KEY = ("scope_id", "declaration_type_id", "batch_id", "status", "level", "in_package", "province_id", "region_id")
DECIDED = {level: f"{level.value}_decided" for level in ReviewLevel}
SECONDS = {level: f"{level.value}_seconds" for level in ReviewLevel}
AMOUNTS = ("declarations", *(name for level in ReviewLevel for name in (DECIDED[level], SECONDS[level])))
