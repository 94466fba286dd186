"""Configuration changes made in the IT console, and the site texts it edits."""
from __future__ import annotations

import datetime
from typing import Optional

from flask_appbuilder import Model
from sqlalchemy import JSON, DateTime, ForeignKey, Integer, String, Text, event, func
from sqlalchemy.orm import Mapped, mapped_column

from app.vocabulary import SignInKind
from app.models.types import IDS_NEVER_REUSED, enum_type


class ConfigChange(Model):
    """Who changed which configuration row, when, and its values before and after. Never edited."""

    __tablename__ = "config_change"
    __table_args__ = (IDS_NEVER_REUSED,)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    changed_at: Mapped[datetime.datetime] = mapped_column(DateTime, server_default=func.now(), index=True)
    user_id: Mapped[Optional[int]] = mapped_column(ForeignKey("ab_user.id"))
    username: Mapped[str] = mapped_column(String(128))
    table_name: Mapped[str] = mapped_column(String(64), index=True)
    row_id: Mapped[Optional[str]] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(16))  # create, update, delete, import
    before: Mapped[Optional[dict]] = mapped_column(JSON)
    after: Mapped[Optional[dict]] = mapped_column(JSON)


class SignInEvent(Model):
    """One sign-in event (app/security/sign_in_audit.py writes them): who, from where, what happened. Never edited;
    `flask prune-sign-ins` removes old ones."""

    __tablename__ = "sign_in_event"
    __table_args__ = (IDS_NEVER_REUSED,)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime.datetime] = mapped_column(DateTime, index=True)
    kind: Mapped[SignInKind] = mapped_column(enum_type(SignInKind, 20), index=True)
    user_id: Mapped[Optional[int]] = mapped_column(ForeignKey("ab_user.id", ondelete="SET NULL"), index=True)
    username: Mapped[str] = mapped_column(String(128), index=True)  # as typed, even for no such user
    address: Mapped[str] = mapped_column(String(64), index=True)
    user_agent: Mapped[str] = mapped_column(String(256))
    detail: Mapped[str] = mapped_column(String(64), default="")  # a code of app.domain.sign_in.DETAILS
    actor: Mapped[Optional[str]] = mapped_column(String(128))  # the IT staff member, for unlock, reset, deactivation


class SiteSetting(Model):
    """Texts IT staff maintain without a deployment, e.g. the login page's 申报流程说明 and 咨询电话."""

    __tablename__ = "site_setting"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)
    label: Mapped[str] = mapped_column(String(64))


@event.listens_for(ConfigChange, "before_update")
@event.listens_for(ConfigChange, "before_delete")
def _changes_are_immutable(mapper, connection, target):
    raise RuntimeError("配置变更记录不可修改或删除")
