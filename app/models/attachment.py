"""Uploaded files: stored on disk under a generated name, described here."""
from __future__ import annotations

import datetime
from typing import Optional

from flask_appbuilder import Model
from sqlalchemy import BigInteger, DateTime, ForeignKey, Integer, String, func
from sqlalchemy.orm import Mapped, mapped_column

from app.models.types import IDS_NEVER_REUSED


class Attachment(Model):
    """One stored file. `storage_key` is the path under UPLOAD_DIR; `original_name` is display text only."""

    __tablename__ = "attachment"
    __table_args__ = (IDS_NEVER_REUSED,)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    purpose: Mapped[str] = mapped_column(String(32))  # licence, evaluation_report, recommendation_letter, form_file …
    organization_id: Mapped[Optional[int]] = mapped_column(ForeignKey("organization.id"), index=True)
    declaration_id: Mapped[Optional[int]] = mapped_column(ForeignKey("declaration.id"), index=True)
    storage_key: Mapped[str] = mapped_column(String(80), unique=True)
    original_name: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    uploaded_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("ab_user.id"))
    uploaded_at: Mapped[datetime.datetime] = mapped_column(DateTime, server_default=func.now())
