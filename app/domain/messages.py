"""The message centre: messages to an organization (everyone acting for it) or to one user, read per person.

`post()` is how any rule tells someone something (reminders of 动态管理 filings, and whatever else needs it);
the navbar shows `unread_count()`, the message page `inbox()`. A subject or body given as an app.domain.Message
is kept with its message id and values too, so that `shown()` says it in each reader's language.
"""
from __future__ import annotations

import datetime

from sqlalchemy import exists, false, func, or_, select
from sqlalchemy.orm import Session

from app.domain import DomainError, ErrorKind, Message as Said
from app.domain.scope import Actor
from app.models import Message, MessageRead, PlatformUser
from app.vocabulary import N_

SUBJECT_LIMIT = 200
LINK_LIMIT = 300


def post(session: Session, *, organization_id: int | None = None, user_id: int | None = None, subject: str,
         body: str, link: str | None = None, now: datetime.datetime) -> Message:
    """A new unread message to an organization or to a user (exactly one of them); `link` is a path inside the
    platform (e.g. the page the message asks to act on). `subject` and `body` are Chinese text or Messages."""
    if (organization_id is None) == (user_id is None):
        raise ValueError("a message goes to an organization or to a user")
    if link is not None and (not link.startswith("/") or link.startswith("//") or len(link) > LINK_LIMIT):
        raise ValueError(f"a message's link is a path inside the platform: {link!r}")
    texts = {part: _as_data(text) for part, text in (("subject", subject), ("body", body)) if isinstance(text, Said)}
    message = Message(organization_id=organization_id, user_id=user_id, subject=str(subject)[:SUBJECT_LIMIT],
                      body=str(body), link=link, created_at=now, texts=texts or None)
    session.add(message)
    session.flush()
    return message


def post_to_authority(session: Session, authority_id: int, *, subject: str, body: str, link: str | None = None,
                      now: datetime.datetime) -> int:
    """The same message to each active reviewer of an authority (reviewers act for an authority, not an
    organization); how many were sent."""
    users = session.scalars(select(PlatformUser.id).where(PlatformUser.authority_id == authority_id,
                                                           PlatformUser.active.is_(True))).all()
    for user_id in users:
        post(session, user_id=user_id, subject=subject, body=body, link=link, now=now)
    return len(users)


def _as_data(text: Said) -> dict:
    def value(v):
        if isinstance(v, Said):
            return _as_data(v)
        if isinstance(v, tuple):
            return {"list": [value(item) for item in v]}
        return v if isinstance(v, (int, float)) or v is None else str(v)
    return {"id": text.message_id, "params": {k: value(v) for k, v in text.params.items()}}


def _from_data(data: dict) -> Said:
    def value(v):
        if isinstance(v, dict) and "id" in v:
            return _from_data(v)
        if isinstance(v, dict) and "list" in v:
            return tuple(value(item) for item in v["list"])
        return v
    return Said(data["id"], **{k: value(v) for k, v in (data.get("params") or {}).items()})


def shown(message: Message, part: str) -> str:
    """The message's subject or body for the `said` filter: a Message where the platform said it (the reader's
    language then), the stored Chinese text otherwise (and where the stored ids are unreadable)."""
    data = (message.texts or {}).get(part)
    if isinstance(data, dict) and isinstance(data.get("id"), str):
        try:
            return _from_data(data)
        except (TypeError, ValueError, KeyError):
            pass
    return getattr(message, part)


def addressed_to(actor: Actor):
    """The messages `actor` receives: its own, and its active organization's."""
    mine = Message.user_id == actor.user_id
    if actor.organization_id is not None:
        return or_(mine, Message.organization_id == actor.organization_id)
    return mine if actor.user_id is not None else false()


def _read_by(actor: Actor):
    return exists().where(MessageRead.message_id == Message.id, MessageRead.user_id == actor.user_id)


def unread_count(session: Session, actor: Actor) -> int:
    return session.scalar(select(func.count()).select_from(Message).where(addressed_to(actor), ~_read_by(actor)))


def inbox(session: Session, actor: Actor, *, offset: int = 0, limit: int = 50) -> list[tuple[Message, bool]]:
    """The actor's messages, newest first, each with whether the actor has read it."""
    read = _read_by(actor).label("read")
    return [(m, bool(r)) for m, r in session.execute(
        select(Message, read).where(addressed_to(actor)).order_by(Message.id.desc()).offset(offset).limit(limit))]


def total(session: Session, actor: Actor) -> int:
    return session.scalar(select(func.count()).select_from(Message).where(addressed_to(actor)))


def mine(session: Session, actor: Actor, message_id: int) -> Message:
    """A message the actor receives; another's is not found (the same answer as a message that does not exist)."""
    message = session.scalar(select(Message).where(Message.id == message_id, addressed_to(actor)))
    if message is None:
        raise DomainError(N_("没有这条消息"), kind=ErrorKind.NOT_FOUND)
    return message


def mark_read(session: Session, actor: Actor, message: Message, now: datetime.datetime) -> None:
    """Read by the actor (again: nothing changes)."""
    mine(session, actor, message.id)
    if not session.scalar(select(MessageRead.id).where(MessageRead.message_id == message.id,
                                                       MessageRead.user_id == actor.user_id)):
        session.add(MessageRead(message_id=message.id, user_id=actor.user_id, read_at=now))
        session.flush()


def mark_all_read(session: Session, actor: Actor, now: datetime.datetime) -> int:
    ids = session.scalars(select(Message.id).where(addressed_to(actor), ~_read_by(actor))).all()
    session.add_all(MessageRead(message_id=pk, user_id=actor.user_id, read_at=now) for pk in ids)
    session.flush()
    return len(ids)
