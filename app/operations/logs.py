"""Structured logs: with `LOG_FORMAT=json` (the default in production) every log line is one JSON object on
stderr (python-json-logger), and every request writes one line with its request id, user id, endpoint, status and
duration. The request id comes back in the `X-Request-ID` response header; behind a trusted proxy
(`TRUSTED_PROXIES` > 0) the proxy's own id (nginx: `proxy_set_header X-Request-ID $request_id`) is kept, so one id
follows a request through nginx, the application and gunicorn's access log. In text mode nothing is configured:
the request lines are emitted at INFO, which Python's default logging does not show.
"""
from __future__ import annotations

import logging
import re
import sys
import time
import uuid

from flask import Flask, current_app, has_request_context, request, session
from flask.logging import default_handler
from flask_login import current_user
from pythonjsonlogger.json import JsonFormatter

REQUEST_ID_HEADER = "X-Request-ID"
HANDLER_NAME = "platform-json"
REQUESTS = logging.getLogger("app.requests")
# What an incoming id may look like (nginx's $request_id is 32 hex digits): anything else could forge log lines
# or fill them, so it is replaced by a fresh id.
_ACCEPTED_ID = re.compile(r"[A-Za-z0-9._:-]{8,128}")
_ID_KEY = "platform.request_id"
_START_KEY = "platform.request_start"
# `scheme://user:password@host`: the password part of a URL in a log text
_URL_PASSWORD = re.compile(r"(?<=://)([^:/@\s]*):[^@\s]*@")


class JsonLogFormatter(JsonFormatter):
    """One JSON object per line: time (UTC, ISO 8601), level, logger, message and whatever `extra` the call gave;
    Chinese stays readable. gunicorn's error log (deploy/gunicorn.conf.py) uses it too, so every line of a
    deployment has the same fields."""

    def __init__(self, *args, **kwargs):
        super().__init__("%(levelname)s %(name)s %(message)s", timestamp="time",
                         rename_fields={"levelname": "level", "name": "logger"}, json_ensure_ascii=False)


class AccessLogFormatter(JsonLogFormatter):
    """gunicorn's access log (deploy/gunicorn.conf.py, GUNICORN_ACCESS_LOG=1) as JSON: gunicorn passes the
    request's atoms as the record's arguments; the useful ones become fields, the request id from the response."""

    ATOMS = {"remote_addr": "h", "method": "m", "path": "U", "status": "s", "bytes": "B", "duration_ms": "M",
             "user_agent": "a", "request_id": "{x-request-id}o"}

    def add_fields(self, log_data, record, message_dict):
        super().add_fields(log_data, record, message_dict)
        atoms = record.args if isinstance(record.args, dict) else {}
        log_data.update({field: atoms.get(atom) for field, atom in self.ATOMS.items()})


class RequestIdFilter(logging.Filter):
    """Every line written while a request is served carries its id, errors and their tracebacks included."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id") and has_request_context():
            record.request_id = request_id()
        return True


def install_logs(app: Flask) -> None:
    log_format = app.config.get("LOG_FORMAT") or ("json" if app.config.get("ENV_NAME") == "production" else "text")
    if log_format not in ("json", "text"):
        raise RuntimeError(f"LOG_FORMAT must be json or text, not {log_format!r}")
    if log_format == "json":
        _json_to_stderr(app.config.get("LOG_LEVEL") or "INFO")
        app.logger.removeHandler(default_handler)

    @app.before_request
    def start_request():
        request.environ[_START_KEY] = time.perf_counter()
        request.environ[_ID_KEY] = _incoming_id() or uuid.uuid4().hex

    @app.after_request
    def log_request(response):
        """Registered first, so it runs last: the status and headers are the ones sent."""
        response.headers[REQUEST_ID_HEADER] = request_id()
        if REQUESTS.isEnabledFor(logging.INFO):
            started = request.environ.get(_START_KEY, time.perf_counter())
            REQUESTS.info("%s %s %s", request.method, request.path, response.status_code, extra={
                "request_id": request_id(), "user_id": _user_id(), "method": request.method, "path": request.path,
                "endpoint": request.endpoint, "status": response.status_code,
                "duration_ms": round((time.perf_counter() - started) * 1000, 2), "remote_addr": request.remote_addr,
            })
        return response


def request_id() -> str:
    """The current request's id (one is made if the request started before the hook ran)."""
    return request.environ.setdefault(_ID_KEY, uuid.uuid4().hex)


def without_passwords(text: str) -> str:
    """`text` with the password of any URL in it replaced by ***, for log lines about a failed connection."""
    return _URL_PASSWORD.sub(r"\1:***@", text)


def _incoming_id() -> str | None:
    if not current_app.config.get("TRUSTED_PROXIES"):
        return None  # a client could choose the id another request is logged under
    incoming = request.headers.get(REQUEST_ID_HEADER, "")
    return incoming if _ACCEPTED_ID.fullmatch(incoming) else None


def _user_id():
    """The signed-in user's id. A request without a session (a probe, a visitor) reads no user from the database."""
    if "_user_id" not in session:
        return None
    try:
        return current_user.get_id() if current_user.is_authenticated else None
    except Exception:  # noqa: BLE001  (the request failed on the database already; the log line must still go out)
        return None


def _json_to_stderr(level: str) -> None:
    """One JSON handler on the root logger, replacing the one a previous app of this process installed."""
    root = logging.getLogger()
    for handler in [h for h in root.handlers if h.name == HANDLER_NAME]:
        root.removeHandler(handler)
    handler = logging.StreamHandler(sys.stderr)
    handler.name = HANDLER_NAME
    handler.setFormatter(JsonLogFormatter())
    handler.addFilter(RequestIdFilter())
    root.addHandler(handler)
    root.setLevel(level.upper())
