"""Single-use markers shared by every worker when no Redis is configured."""
from __future__ import annotations

import datetime

from flask_appbuilder import Model
from sqlalchemy import BigInteger, DateTime, String
from sqlalchemy.orm import Mapped, mapped_column


class UsedToken(Model):
    """A token (e.g. a captcha nonce) that has been consumed; rows past `expires_at` may be purged."""

    __tablename__ = "used_token"

    key: Mapped[str] = mapped_column(String(96), primary_key=True)
    expires_at: Mapped[datetime.datetime] = mapped_column(DateTime, index=True)


class SharedValue(Model):
    """A counter or timestamp with an expiry (sign-in failures, waits), when no Redis is configured."""

    __tablename__ = "shared_value"

    key: Mapped[str] = mapped_column(String(160), primary_key=True)
    value: Mapped[int] = mapped_column(BigInteger)
    expires_at: Mapped[datetime.datetime] = mapped_column(DateTime, index=True)
