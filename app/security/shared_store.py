"""State that every worker must agree on: Redis when REDIS_URL is set, otherwise the database."""
from __future__ import annotations

import datetime

from flask import current_app
from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError

from app import clock
from app.extensions import db
from app.models import SharedValue, UsedToken

PREFIX = "green:v:"


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
    now = _now()
    try:
        with db.session.begin_nested():
            db.session.add(UsedToken(key=key, expires_at=now + datetime.timedelta(seconds=ttl_seconds)))
    except IntegrityError:
        return False
    db.session.execute(delete(UsedToken).where(UsedToken.expires_at < now))
    db.session.commit()
    return True


def _now() -> datetime.datetime:
    return clock.utcnow()


def increment(key: str, ttl_seconds: int) -> int:
    """Add one to the counter `key` and return it; the counter is forgotten `ttl_seconds` after its last increment."""
    client = _redis()
    if client is not None:
        pipe = client.pipeline()
        pipe.incr(PREFIX + key)
        pipe.expire(PREFIX + key, ttl_seconds)
        return int(pipe.execute()[0])
    now = _now()
    expires = now + datetime.timedelta(seconds=ttl_seconds)
    for _ in range(3):
        value = db.session.execute(
            update(SharedValue).where(SharedValue.key == key, SharedValue.expires_at >= now)
            .values(value=SharedValue.value + 1, expires_at=expires).returning(SharedValue.value)
            .execution_options(synchronize_session=False)).scalar()
        if value is not None:
            db.session.commit()
            return int(value)
        if _insert(key, 1, expires, now):
            return 1
    raise RuntimeError(f"could not increment {key!r}")


def put(key: str, value: int, ttl_seconds: int) -> None:
    """Set `key` to `value` for `ttl_seconds`."""
    client = _redis()
    if client is not None:
        client.set(PREFIX + key, value, ex=max(ttl_seconds, 1))
        return
    now = _now()
    expires = now + datetime.timedelta(seconds=ttl_seconds)
    for _ in range(3):
        done = db.session.execute(update(SharedValue).where(SharedValue.key == key)
                                  .values(value=value, expires_at=expires)
                                  .execution_options(synchronize_session=False)).rowcount
        if done:
            db.session.commit()
            return
        if _insert(key, value, expires, now):
            return


def get(key: str) -> int | None:
    client = _redis()
    if client is not None:
        value = client.get(PREFIX + key)
        return None if value is None else int(value)
    return db.session.scalar(select(SharedValue.value).where(SharedValue.key == key, SharedValue.expires_at >= _now()))


def forget(prefix: str) -> None:
    """Remove every key that starts with `prefix`."""
    client = _redis()
    if client is not None:
        keys = list(client.scan_iter(match=PREFIX + prefix.replace("*", r"\*") + "*", count=500))
        if keys:
            client.delete(*keys)
        return
    db.session.execute(delete(SharedValue).where(SharedValue.key.startswith(prefix, autoescape=True))
                       .execution_options(synchronize_session=False))
    db.session.commit()


def _insert(key: str, value: int, expires: datetime.datetime, now: datetime.datetime) -> bool:
    """Insert a fresh row (replacing an expired one); False if another request inserted it first."""
    try:
        with db.session.begin_nested():
            db.session.execute(delete(SharedValue).where(SharedValue.expires_at < now)
                               .execution_options(synchronize_session=False))
            db.session.add(SharedValue(key=key, value=value, expires_at=expires))
    except IntegrityError:
        return False
    db.session.commit()
    return True
