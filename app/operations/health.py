"""`/healthz` and `/readyz` for load balancers and orchestrators.

`/healthz` says the process answers requests and touches nothing else: a slow database must not make the load
balancer restart workers that are fine. `/readyz` asks each part the platform cannot serve without, one function
per part, and answers 503 naming the parts that failed (by the error's kind, never its text, which can hold host
names; the log line has the text with any password removed). Both answer without a session, CSRF token or
permission, and only what any visitor could learn from an error page.
"""
from __future__ import annotations

import logging
import tempfile
from pathlib import Path

from flask import Blueprint, current_app, jsonify
from flask_babel import gettext
from sqlalchemy import text

from app import storage
from app.extensions import db
from app.operations.logs import without_passwords
from app.vocabulary import N_

blueprint = Blueprint("operations", __name__)
log = logging.getLogger(__name__)

OK, SKIPPED = "ok", "skipped"
PART_NAMES = {"database": N_("数据库"), "redis": "Redis", "storage": N_("文件存储")}


def database_ready() -> str:
    with db.engine.connect() as connection:
        connection.execute(text("SELECT 1"))
    return OK


def redis_ready() -> str:
    """Only when REDIS_URL is set; its own client, with timeouts and without retries, so a Redis that stopped
    answering fails the check at once."""
    url = current_app.config.get("REDIS_URL")
    if not url:
        return SKIPPED
    client = current_app.extensions.get("readiness_redis")
    if client is None:
        import redis
        from redis.backoff import NoBackoff
        from redis.retry import Retry

        client = current_app.extensions["readiness_redis"] = redis.Redis.from_url(
            url, socket_connect_timeout=2, socket_timeout=2, retry=Retry(NoBackoff(), 0))
    client.ping()
    return OK


def storage_ready() -> str:
    """The object store's own `ready()` when it has one; otherwise the upload folder takes a file (an unnamed
    temporary one, gone when closed)."""
    ready = getattr(storage, "ready", None)
    if ready is not None:
        ready()
        return OK
    folder = Path(current_app.config["UPLOAD_DIR"])
    folder.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryFile(dir=folder):
        pass
    return OK


CHECKS = (("database", database_ready), ("redis", redis_ready), ("storage", storage_ready))


@blueprint.get("/healthz")
def healthz():
    return _answer({"status": "ok"}, 200)


@blueprint.get("/readyz")
def readyz():
    checks = {part: _check(part, function) for part, function in CHECKS}
    failed = [part for part, result in checks.items() if result not in (OK, SKIPPED)]
    if not failed:
        return _answer({"status": "ok", "checks": checks}, 200)
    names = gettext("、").join(gettext(PART_NAMES[part]) for part in failed)
    return _answer({"status": "unavailable", "checks": checks, "failed": failed,
                    "message": gettext("服务未就绪，无法访问：%(parts)s", parts=names)}, 503)


def _check(part: str, function) -> str:
    try:
        return function()
    except Exception as error:  # noqa: BLE001  (whatever a part raises, the platform is not ready without it)
        log.warning("readiness: %s failed", part, extra={
            "part": part, "error": type(error).__name__, "detail": without_passwords(str(error))[:500]})
        return type(error).__name__


def _answer(body: dict, status: int):
    response = jsonify(body)
    response.status_code = status
    response.headers["Cache-Control"] = "no-store"
    return response
