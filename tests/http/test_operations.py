"""Operations (issue 18, item 4): `/healthz` and `/readyz`, the JSON request log with its request id, and the
Prometheus metrics behind their token, in the test client and under gunicorn with deploy/gunicorn.conf.py.

The broken parts are real: a database URL and a Redis URL at a port nobody listens on, an upload folder that is
a file."""
from __future__ import annotations

import io
import json
import logging
import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from sqlalchemy import create_engine, event, select

from app.extensions import db
from app.models import PlatformUser
from app.operations.logs import HANDLER_NAME, without_passwords
from tests.conftest import login

ROOT = Path(__file__).resolve().parents[2]
TOKEN = "prometheus-scrape-token-0123"
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


def closed_port() -> int:
    """A port on this machine where nothing listens (bound, then released)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def build(app):
    """Apps of the test's own over the module's database; their engines go with the test."""
    from app import create_app

    built = []

    def make(**settings):
        settings.setdefault("UPLOAD_DIR", app.config["UPLOAD_DIR"])
        application = create_app("config.TestConfig", SQLALCHEMY_DATABASE_URI=app.config["SQLALCHEMY_DATABASE_URI"],
                                 **settings)
        built.append(application)
        return application

    yield make
    for application in built:
        with application.app_context():
            for engine in db.engines.values():
                engine.dispose()


# --- /healthz -----------------------------------------------------------------------------------------------

def test_healthz_answers_without_touching_the_database(app):
    statements = []
    with app.app_context():
        engine = db.engine
    listener = lambda *args: statements.append(args[2])  # noqa: E731
    event.listen(engine, "before_cursor_execute", listener)
    try:
        response = app.test_client().get("/healthz")
        head = app.test_client().head("/healthz")
    finally:
        event.remove(engine, "before_cursor_execute", listener)
    assert response.status_code == 200 and response.get_json() == {"status": "ok"}
    assert head.status_code == 200
    assert statements == []
    assert response.headers["Cache-Control"] == "no-store"
    assert "Set-Cookie" not in response.headers  # a probe every few seconds leaves no sessions behind
    assert response.headers["Content-Security-Policy"]  # behind the same headers as every page


# --- /readyz ------------------------------------------------------------------------------------------------

def test_readyz_says_every_part_is_reachable(app):
    response = app.test_client().get("/readyz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok",
                                   "checks": {"database": "ok", "redis": "skipped", "storage": "ok"}}


def test_readyz_pings_redis_when_it_is_configured(build):
    import redis

    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping()
    except redis.RedisError:
        pytest.skip(f"no Redis at {REDIS_URL}")
    response = build(REDIS_URL=REDIS_URL).test_client().get("/readyz")
    assert response.status_code == 200 and response.get_json()["checks"]["redis"] == "ok"


def test_a_database_that_cannot_be_reached_is_named_without_its_password(build, caplog):
    broken = build()
    url = f"postgresql://green:db-s3cret@127.0.0.1:{closed_port()}/green"
    with broken.app_context():
        db.engine.dispose()
        db.engines[None] = create_engine(url)  # the app now talks to a database URL where nobody answers
    with caplog.at_level(logging.WARNING, logger="app.operations.health"):
        response = broken.test_client().get("/readyz")
    body = response.get_data(as_text=True)
    assert response.status_code == 503
    assert response.get_json()["failed"] == ["database"]
    assert response.get_json()["checks"] == {"database": "OperationalError", "redis": "skipped", "storage": "ok"}
    assert response.get_json()["message"] == "服务未就绪，无法访问：数据库"
    assert "db-s3cret" not in body and "127.0.0.1" not in body
    logged = [r for r in caplog.records if getattr(r, "part", None) == "database"]
    assert logged and "db-s3cret" not in logged[0].detail
    assert broken.test_client().get("/healthz").status_code == 200  # the process itself is fine


def test_a_stopped_redis_is_named_without_its_password(build):
    response = build(REDIS_URL=f"redis://:redis-s3cret@127.0.0.1:{closed_port()}/0").test_client().get("/readyz")
    assert response.status_code == 503
    assert response.get_json()["failed"] == ["redis"]
    assert response.get_json()["checks"]["database"] == "ok"
    assert "redis-s3cret" not in response.get_data(as_text=True)


def test_an_upload_folder_that_takes_no_file_is_named(build, tmp_path):
    not_a_folder = tmp_path / "uploads"
    not_a_folder.write_text("a file where the folder should be")
    response = build(UPLOAD_DIR=str(not_a_folder)).test_client().get("/readyz")
    assert response.status_code == 503 and response.get_json()["failed"] == ["storage"]


def test_readyz_asks_the_object_store_when_it_can_say(app, monkeypatch):
    """Once app.storage has a `ready()` (the S3 backend), readiness is its answer, not the upload folder's."""
    from app import storage

    def unreachable():
        raise ConnectionError("bucket unreachable")

    monkeypatch.setattr(storage, "ready", unreachable, raising=False)
    response = app.test_client().get("/readyz")
    assert response.status_code == 503 and response.get_json()["failed"] == ["storage"]
    monkeypatch.setattr(storage, "ready", lambda: None, raising=False)
    assert app.test_client().get("/readyz").status_code == 200


def test_the_refusal_is_said_in_english_too(build):
    client = build(REDIS_URL=f"redis://127.0.0.1:{closed_port()}/0").test_client()
    client.get("/lang/en")
    assert client.get("/readyz").get_json()["message"] == "Not ready, cannot reach: Redis"


def test_passwords_are_taken_out_of_connection_texts():
    assert without_passwords('connection to "postgresql://green:pw@db:5432/green" failed') == \
        'connection to "postgresql://green:***@db:5432/green" failed'
    assert without_passwords("redis://:secret@cache:6379/0 and s3://bucket/x") == "redis://:***@cache:6379/0 and s3://bucket/x"


# --- JSON request log -----------------------------------------------------------------------------------------

@pytest.fixture
def json_log():
    """The lines the app's JSON handler writes, in a buffer; the handler and the root level are put back after."""
    root = logging.getLogger()
    level = root.level
    buffer = io.StringIO()

    def lines():
        for handler in root.handlers:
            if handler.name == HANDLER_NAME:
                handler.setStream(buffer)
        return [json.loads(line) for line in buffer.getvalue().splitlines()]

    yield lines
    for handler in [h for h in root.handlers if h.name == HANDLER_NAME]:
        root.removeHandler(handler)
    root.setLevel(level)


def request_lines(lines):
    return [line for line in lines if line["logger"] == "app.requests"]


def test_every_request_writes_one_json_line_with_its_id_and_user(build, json_log):
    logged = build(LOG_FORMAT="json")
    json_log()  # the handler writes into the buffer from here on
    client = logged.test_client()
    login(client, "qiye")
    response = client.get("/profile/password/")
    with logged.app_context():
        qiye = db.session.scalars(select(PlatformUser).where(PlatformUser.username == "qiye")).one()
    line = request_lines(json_log())[-1]
    assert line["request_id"] == response.headers["X-Request-ID"] and re.fullmatch(r"[0-9a-f]{32}", line["request_id"])
    assert line["user_id"] == str(qiye.id)
    assert line["endpoint"] == "ProfileView.password" and line["path"] == "/profile/password/"
    assert line["method"] == "GET" and line["status"] == 200 and line["level"] == "INFO"
    assert isinstance(line["duration_ms"], float) and line["duration_ms"] > 0
    assert line["time"].endswith("+00:00") and line["message"] == "GET /profile/password/ 200"
    assert len([entry for entry in request_lines(json_log()) if entry["request_id"] == line["request_id"]]) == 1


def test_a_visitor_is_logged_without_user_and_refusals_are_logged_too(build, json_log):
    logged = build(LOG_FORMAT="json")
    json_log()
    logged.test_client().get("/no/such/page")
    line = request_lines(json_log())[-1]
    assert line["user_id"] is None and line["status"] == 404 and line["endpoint"] is None


def test_lines_written_during_a_request_carry_its_id(build, json_log):
    logged = build(LOG_FORMAT="json", REDIS_URL=f"redis://127.0.0.1:{closed_port()}/0")
    json_log()
    response = logged.test_client().get("/readyz")
    warning = [line for line in json_log() if line["logger"] == "app.operations.health"][-1]
    assert warning["level"] == "WARNING" and warning["part"] == "redis" and warning["error"] == "ConnectionError"
    assert warning["request_id"] == response.headers["X-Request-ID"]


def test_the_proxy_s_request_id_is_kept_only_behind_a_trusted_proxy(build):
    nginx_id = "5f2b8c0e9d4a41c3b7e6a1d2c3b4a596"
    behind = build(TRUSTED_PROXIES=1).test_client()
    assert behind.get("/healthz", headers={"X-Request-ID": nginx_id}).headers["X-Request-ID"] == nginx_id
    forged = behind.get("/healthz", headers={"X-Request-ID": 'x" {"level": "ERROR"} <b>'})
    assert re.fullmatch(r"[0-9a-f]{32}", forged.headers["X-Request-ID"])
    direct = build(TRUSTED_PROXIES=0).test_client().get("/healthz", headers={"X-Request-ID": nginx_id})
    assert direct.headers["X-Request-ID"] != nginx_id


def test_logs_are_json_in_production_and_left_alone_elsewhere():
    from flask import Flask

    from app.operations.logs import install_logs

    root = logging.getLogger()
    level = root.level
    try:
        install_logs(Flask("development"))
        assert not [h for h in root.handlers if h.name == HANDLER_NAME]
        production = Flask("production")
        production.config["ENV_NAME"] = "production"
        install_logs(production)
        install_logs(production)  # a second app of the process replaces the handler, never doubles it
        assert len([h for h in root.handlers if h.name == HANDLER_NAME]) == 1
        typo = Flask("typo")
        typo.config["LOG_FORMAT"] = "xml"
        with pytest.raises(RuntimeError, match="LOG_FORMAT"):
            install_logs(typo)
    finally:
        for handler in [h for h in root.handlers if h.name == HANDLER_NAME]:
            root.removeHandler(handler)
        root.setLevel(level)


# --- Prometheus metrics ---------------------------------------------------------------------------------------

def samples(text: str, endpoint: str) -> dict[str, float]:
    """`{status: request count}` of one endpoint, from the duration histogram's _count series."""
    found = {}
    for match in re.finditer(r'^flask_http_request_duration_seconds_count\{(.*?)\} ([0-9.e+]+)$', text, re.M):
        labels = dict(re.findall(r'(\w+)="([^"]*)"', match.group(1)))
        if labels.get("endpoint") == endpoint:
            found[labels["status"]] = found.get(labels["status"], 0) + float(match.group(2))
    return found


def test_metrics_count_requests_per_endpoint_and_need_the_token(build):
    client = build(METRICS_ENABLED=True, METRICS_TOKEN=TOKEN).test_client()
    for _ in range(3):
        client.get("/healthz")
    client.get("/readyz")
    client.get("/login/")
    refused = [client.get("/metrics"), client.get("/metrics", headers={"Authorization": "Bearer wrong-token"}),
               client.get("/metrics", headers={"Authorization": f"Basic {TOKEN}"})]
    assert [r.status_code for r in refused] == [401, 401, 401]
    assert refused[0].headers["WWW-Authenticate"].startswith("Bearer")
    assert "METRICS_TOKEN" in refused[0].get_json()["message"] and TOKEN not in refused[0].get_data(as_text=True)
    answer = client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
    assert answer.status_code == 200 and answer.mimetype == "text/plain"
    text = answer.get_data(as_text=True)
    assert samples(text, "operations.healthz") == {"200": 3.0}
    assert samples(text, "operations.readyz") == {"200": 1.0}
    assert samples(text, "LoginView.login") == {"200": 1.0}
    assert samples(text, "prometheus_metrics") == {"401": 3.0}  # attempts without the token are seen


def test_metrics_are_off_by_default_and_refuse_to_start_without_a_token(app, build):
    assert app.test_client().get("/metrics").status_code == 404
    assert "/metrics" not in {rule.rule for rule in app.url_map.iter_rules()}
    with pytest.raises(RuntimeError, match="METRICS_TOKEN"):
        build(METRICS_ENABLED=True, METRICS_TOKEN="short")


# --- under gunicorn, with the reference configuration ---------------------------------------------------------

def get(url: str, **headers):
    request = urllib.request.Request(url, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.read().decode(), dict(response.headers)
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode(), dict(error.headers)


def test_gunicorn_with_the_reference_config_serves_and_adds_up_every_worker_s_metrics(app, tmp_path):
    """Every worker is replaced after serving; the new ones, which served none of those requests, still count
    them all: the figures are every worker's, read from PROMETHEUS_MULTIPROC_DIR, not one process's own."""
    import psutil

    port = closed_port()
    environment = {**os.environ, "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"], "SECRET_KEY": "k" * 32,
                   "INSTANCE_DIR": str(tmp_path), "METRICS_ENABLED": "1", "METRICS_TOKEN": TOKEN,
                   "GUNICORN_BIND": f"127.0.0.1:{port}", "GUNICORN_WORKERS": "2", "GUNICORN_THREADS": "2",
                   "LOG_FORMAT": "json"}
    environment.pop("PROMETHEUS_MULTIPROC_DIR", None)
    server = subprocess.Popen([sys.executable, "-m", "gunicorn", "-c", "deploy/gunicorn.conf.py"], cwd=ROOT,
                              env=environment, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    base = f"http://127.0.0.1:{port}"
    served = 0

    def wait_until_serving(workers: set[int]) -> None:
        nonlocal served
        deadline = time.monotonic() + 60
        while True:
            current = {child.pid for child in psutil.Process(server.pid).children()}
            if len(current) == 2 and not current & workers:
                try:
                    if get(f"{base}/healthz")[0] == 200:
                        served += 1
                        return
                except OSError:
                    pass
            assert time.monotonic() < deadline and server.poll() is None, "gunicorn did not start its workers"
            time.sleep(0.3)

    try:
        wait_until_serving(set())
        ids = {get(f"{base}/healthz")[2]["X-Request-ID"] for _ in range(20)}
        served += 20
        assert len(ids) == 20
        assert get(f"{base}/readyz")[0] == 200
        first = {child.pid for child in psutil.Process(server.pid).children()}
        for worker in first:
            os.kill(worker, 15)  # gunicorn starts a new worker for each
        wait_until_serving(first)
        assert get(f"{base}/metrics")[0] == 401
        status, text, _ = get(f"{base}/metrics", Authorization=f"Bearer {TOKEN}")
        assert status == 200
        assert samples(text, "operations.healthz") == {"200": float(served)}
        assert samples(text, "operations.readyz") == {"200": 1.0}
    finally:
        server.terminate()
        _, errors = server.communicate(timeout=60)
    lines = [json.loads(line) for line in errors.splitlines() if line.startswith("{")]
    assert any(line["logger"] == "gunicorn.error" and "Booting worker" in line["message"] for line in lines)
    assert any(line["logger"] == "app.requests" and line["endpoint"] == "operations.healthz" for line in lines)
