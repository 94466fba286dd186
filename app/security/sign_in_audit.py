"""The one place sign-in events are written (SignInEvent), with the client's address and user agent."""
from __future__ import annotations

import datetime

from flask import has_request_context, request
from flask_login import current_user

from app import clock
from app.vocabulary import SignInKind
from app.extensions import db
from app.models import SignInEvent


def record(kind: SignInKind, *, username: str, user=None, detail: str = "", by_staff: bool = False) -> None:
    """Add the event to the session (the caller commits). `by_staff`: the signed-in person (IT staff) did it to `user`, e.g. a reset or an unlock."""
    address = agent = ""
    if has_request_context():
        address = (request.remote_addr or "")[:64]
        agent = (request.user_agent.string or "")[:256]
    actor = current_user.username[:128] if by_staff and has_request_context() and current_user.is_authenticated \
        else None
    db.session.add(SignInEvent(
        at=clock.now().replace(microsecond=0), kind=kind, user_id=getattr(user, "id", None),
        username=(username or "").replace("\x00", "")[:128], address=address, user_agent=agent,
        detail=detail[:64], actor=actor))


def prune(older_than_days: int) -> int:
    """Remove events older than the given number of days; how many were removed."""
    from sqlalchemy import delete

    cutoff = clock.now() - datetime.timedelta(days=older_than_days)
    removed = db.session.execute(delete(SignInEvent).where(SignInEvent.at < cutoff)).rowcount
    db.session.commit()
    return removed
