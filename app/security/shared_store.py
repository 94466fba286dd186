"""State that every worker must agree on: Redis when REDIS_URL is set, otherwise the database."""
from __future__ import annotations

import datetime

from flask import current_app
from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError

from app import clock
from app.extensions import db
from app.models import UsedToken


def _redis():
    client = current_app.extensions.get("platform_redis")
    if client is None and current_app.config.get("REDIS_URL"):
        import redis

        client = current_app.extensions["platform_redis"] = redis.Redis.from_url(current_app.config["REDIS_URL"])
    return client


def consume_once(key: str, ttl_seconds: int) -> bool:
    """True the first time `key` is consumed within `ttl_seconds`, False on every later try."""
    client = _redis()
    if client is not None:
        return bool(client.set(f"green:once:{key}", 1, nx=True, ex=ttl_seconds))
    now = clock.utcnow()
    try:
        with db.session.begin_nested():
            db.session.add(UsedToken(key=key, expires_at=now + datetime.timedelta(seconds=ttl_seconds)))
    except IntegrityError:
        return False
    db.session.execute(delete(UsedToken).where(UsedToken.expires_at < now))
    db.session.commit()
    return True
