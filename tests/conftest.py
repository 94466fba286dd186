"""Fixtures: a migrated, seeded database for every test module, and a test client per role.

Every test that takes `app` runs on SQLite, and again on PostgreSQL when TEST_DATABASE_URL is set.
In CI (CI=true) a missing TEST_DATABASE_URL is an error, so the PostgreSQL run cannot be skipped silently.

The migrations and the seed run once per backend, into a template; every test module gets a copy of it (a file copy
on SQLite, `CREATE DATABASE … TEMPLATE` on PostgreSQL), its own upload folder and its own app, so what one module
writes never reaches another, whatever order the modules run in. Tests inside a module share its copy and keep
apart by what they create (each makes its own rows) or by undoing what they change.

`make test` runs the modules on several processes (pytest-xdist, whole files per process): each process has its own
PostgreSQL template database (the configured one's name with the worker's suffix) and its own Redis database, so
processes share nothing but the servers.
"""
from __future__ import annotations

import datetime
import itertools
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import uuid
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from app import clock

DEMO_PASSWORD = "Lvse@2026"
# The suite runs on the application's clock, moved by CLOCK_SHIFT_DAYS (e.g. 365) to prove that nothing in the
# code or the tests depends on the day it was written; the demo data is seeded relative to it.
if os.environ.get("CLOCK_SHIFT_DAYS"):
    clock.shift(datetime.timedelta(days=int(os.environ["CLOCK_SHIFT_DAYS"])))
TODAY = clock.today()
BACKENDS = ["sqlite"] + (["postgresql"] if os.environ.get("TEST_DATABASE_URL") else [])

if os.environ.get("CI") and not os.environ.get("TEST_DATABASE_URL"):
    raise pytest.UsageError("CI must run the suite on PostgreSQL too: set TEST_DATABASE_URL")


def _worker_number() -> int:
    """0 without pytest-xdist or on its first process (gw0), 1 on gw1, and so on."""
    return int(os.environ.get("PYTEST_XDIST_WORKER", "gw0")[2:] or 0)


def _own_redis_database() -> None:
    """Each process counts in a Redis database of its own: the configured one, the next process the one below."""
    url = os.environ.get("TEST_REDIS_URL")
    if url and _worker_number():
        parts = urlsplit(url)
        number = (int(parts.path.strip("/") or 0) - _worker_number()) % 16
        os.environ["TEST_REDIS_URL"] = urlunsplit(parts._replace(path=f"/{number}"))


_own_redis_database()


@dataclass
class Template:
    """A migrated and seeded database, with the files the seed uploaded, that test modules get copies of."""

    backend: str
    url: str
    folder: Path

    _copies = itertools.count(1)

    @property
    def uploads(self) -> Path:
        return self.folder / "uploads"

    def copy(self) -> str:
        number = next(self._copies)
        if self.backend == "sqlite":
            path = self.folder / f"module-{number}.db"
            shutil.copyfile(make_url(self.url).database, path)
            return f"sqlite:///{path}"
        template = make_url(self.url)
        name = f"{template.database}__m{number}"  # the template's name, so runs on other databases never meet
        with _maintenance(template) as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            connection.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{template.database}"'))
        return template.set(database=name).render_as_string(hide_password=False)

    def drop(self, url: str) -> None:
        if self.backend == "sqlite":
            os.remove(make_url(url).database)
            return
        with _maintenance(make_url(self.url)) as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{make_url(url).database}" WITH (FORCE)'))


@contextmanager
def _maintenance(url):
    """An autocommit connection to the server's `postgres` database: databases are created and dropped from
    outside them, and a template must have no connection while it is copied."""
    engine = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT", poolclass=NullPool)
    try:
        with engine.connect() as connection:
            yield connection
    finally:
        engine.dispose()


def _empty_database(backend: str, folder: Path) -> str:
    if backend == "sqlite":
        return f"sqlite:///{folder / 'template.db'}"
    url = os.environ["TEST_DATABASE_URL"]
    if _worker_number():  # another process's template: the configured database's name with the worker's suffix
        configured = make_url(url)
        own = f"{configured.database}_{os.environ['PYTEST_XDIST_WORKER']}"
        with _maintenance(configured) as connection:
            if not connection.scalar(text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": own}):
                connection.execute(text(f'CREATE DATABASE "{own}"'))
        url = configured.set(database=own).render_as_string(hide_password=False)
    engine = create_engine(url)
    with engine.begin() as connection:  # a clean schema, so the migrations run from nothing
        connection.execute(text("DROP SCHEMA public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    engine.dispose()
    return url


@pytest.fixture(scope="session", params=BACKENDS)
def seeded(request, tmp_path_factory) -> Template:
    """The backend's template: migrated from nothing and seeded with the reference and demo data, once a run."""
    from flask_migrate import upgrade

    from app import create_app
    from app.extensions import db
    from app.seeding import load

    folder = tmp_path_factory.mktemp(f"{request.param}-databases")
    url = _empty_database(request.param, folder)
    builder = create_app("config.TestConfig", SQLALCHEMY_DATABASE_URI=url, UPLOAD_DIR=str(folder / "uploads"))
    with builder.app_context():
        upgrade()
        load(demo=True, today=TODAY)
        db.engine.dispose()
    return Template(request.param, url, folder)


@pytest.fixture(scope="module")
def app(seeded, request, tmp_path_factory):
    """The module's own copy of the seeded database and of its upload folder, and an app built over them (views
    are generated from its types). TEST_STORAGE=s3 puts the files in the session's S3 server instead."""
    with application(seeded, request, tmp_path_factory, os.environ.get("TEST_STORAGE", "local")) as built:
        yield built


@contextmanager
def application(seeded, request, tmp_path_factory, storage: str, **settings):
    """An app over a fresh copy of the seeded database and of the seed's files, in a local folder or under a
    prefix of its own in the S3 server (`storage` "local" or "s3")."""
    from app import create_app
    from app.extensions import db

    url = seeded.copy()
    uploads = tmp_path_factory.mktemp("uploads")
    if storage == "s3":
        settings = {**object_store_settings(request.getfixturevalue("s3_endpoint")), **settings}
    application = create_app("config.TestConfig", SQLALCHEMY_DATABASE_URI=url, UPLOAD_DIR=str(uploads), **settings)
    application.config["BACKEND"] = seeded.backend
    if seeded.uploads.exists():  # the seed's files (the demo organizations' 营业执照) go with its rows
        with application.app_context():
            copy_folder_into_store(seeded.uploads)
    yield application
    with application.app_context():
        db.engine.dispose()
    seeded.drop(url)


S3_BUCKET = "green-declaration-tests"


def object_store_settings(endpoint: str) -> dict:
    """A prefix of its own in the test bucket: every app starts with an empty store."""
    return {"STORAGE_URL": f"s3://{S3_BUCKET}/{uuid.uuid4().hex}", "S3_ENDPOINT_URL": endpoint}


def copy_folder_into_store(folder: Path) -> None:
    """Files of a folder put into the app's store under the same keys."""
    from app.storage import backend

    store = backend()
    for path in sorted(folder.rglob("*")):
        if path.is_file():
            with open(path, "rb") as handle:
                store.put(path.relative_to(folder).as_posix(), handle, "application/octet-stream")


@pytest.fixture(scope="session")
def s3_endpoint():
    """An S3 server for the session: TEST_S3_ENDPOINT_URL when set (.ci/run starts one), else moto's server on a
    free port. Never skipped: a server that does not come up fails the tests that need it."""
    import boto3

    for name, value in (("AWS_ACCESS_KEY_ID", "testing"), ("AWS_SECRET_ACCESS_KEY", "testing"),
                        ("AWS_DEFAULT_REGION", "us-east-1")):
        os.environ.setdefault(name, value)
    endpoint, process = os.environ.get("TEST_S3_ENDPOINT_URL"), None
    if not endpoint:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        process = subprocess.Popen([sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        endpoint = f"http://127.0.0.1:{port}"
    try:
        client = boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1")
        for _ in range(100):
            try:
                client.list_buckets()
                break
            except Exception:  # noqa: BLE001  not listening yet
                if process is not None and process.poll() is not None:
                    raise RuntimeError("moto's S3 server exited at start") from None
                time.sleep(0.1)
        else:
            raise RuntimeError(f"no S3 server answers at {endpoint}")
        if S3_BUCKET not in {bucket["Name"] for bucket in client.list_buckets()["Buckets"]}:
            client.create_bucket(Bucket=S3_BUCKET)
        yield endpoint
    finally:
        if process is not None:
            process.terminate()
            process.wait(timeout=10)


@pytest.fixture
def db_session(app):
    from app.extensions import db

    with app.app_context():
        yield db.session
        db.session.rollback()


def csrf_token(html: str) -> str:
    match = re.search(r'name="csrf_token"(?: type="hidden")? value="([^"]+)"', html)
    assert match, "no CSRF token in the page"
    return match.group(1)


def login(client, username: str, password: str = DEMO_PASSWORD):
    token = csrf_token(client.get("/login/").get_data(as_text=True))
    return client.post("/login/", data={"username": username, "password": password, "csrf_token": token})


@pytest.fixture
def client_as(app):
    """client_as("qiye") → a test client logged in as that demo account."""

    def make(username: str):
        client = app.test_client()
        response = login(client, username)
        assert response.status_code == 302 and "/login" not in response.headers["Location"], username
        return client

    return make
