"""Fixtures: one migrated, seeded database per backend, and a test client per role.

Every test that takes `app` runs on SQLite, and again on PostgreSQL when TEST_DATABASE_URL is set.
In CI (CI=true) a missing TEST_DATABASE_URL is an error, so the PostgreSQL run cannot be skipped silently.
"""
from __future__ import annotations

import datetime
import os
import re

import pytest
from sqlalchemy import create_engine, text

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


def _database_url(backend: str, tmp_path_factory) -> str:
    if backend == "sqlite":
        return f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"
    url = os.environ["TEST_DATABASE_URL"]
    engine = create_engine(url)
    with engine.begin() as connection:  # a clean schema, so the migrations run from nothing
        connection.execute(text("DROP SCHEMA public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    engine.dispose()
    return url


@pytest.fixture(scope="session", params=BACKENDS)
def app(request, tmp_path_factory):
    """A migrated and seeded database, and an app built over it (views are generated from its types)."""
    from flask_migrate import upgrade

    from app import create_app
    from app.seeding import load

    url = _database_url(request.param, tmp_path_factory)
    instance = tmp_path_factory.mktemp("instance")
    settings = dict(SQLALCHEMY_DATABASE_URI=url, UPLOAD_DIR=str(instance / "uploads"))
    builder = create_app("config.TestConfig", **settings)
    with builder.app_context():
        upgrade()
        load(demo=True, today=TODAY)
    application = create_app("config.TestConfig", **settings)
    application.config["BACKEND"] = request.param
    yield application
    from app.extensions import db

    with application.app_context():
        db.engine.dispose()
    with builder.app_context():
        db.engine.dispose()


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
