"""Production's start-up checks and `flask seed` in production (issue 16: headers)."""
from __future__ import annotations

import pytest

from tests.http.test_security_headers import PRODUCTION, bare_app


def test_production_refuses_to_start_without_redis(monkeypatch):
    from app import create_app

    monkeypatch.setenv("SECRET_KEY", "x" * 32)
    with pytest.raises(RuntimeError, match="REDIS_URL.*SINGLE_WORKER=1"):
        create_app("config.Config", **{**PRODUCTION, "REDIS_URL": None})


@pytest.mark.parametrize("settings", [{}, {"REDIS_URL": None, "SINGLE_WORKER": True}], ids=["redis", "one-worker"])
def test_production_starts_with_redis_or_one_declared_worker(monkeypatch, settings):
    from app import _check_production_settings

    monkeypatch.setenv("SECRET_KEY", "x" * 32)
    _check_production_settings(bare_app(**settings))  # no RuntimeError


# --- flask seed in production ---------------------------------------------------------------------------------

@pytest.fixture
def demo_calls(monkeypatch):
    """Records whether the demo loader ran (it is never run for real here)."""
    from app.seeding import Loader

    calls = []
    monkeypatch.setattr(Loader, "demo", lambda self, today: calls.append(today))
    return calls


def test_seed_in_production_loads_reference_data_without_demo_accounts(app, monkeypatch, demo_calls):
    monkeypatch.setitem(app.config, "ENV_NAME", "production")
    result = app.test_cli_runner().invoke(args=["seed"])
    assert result.exit_code == 0, result.output
    assert demo_calls == []


def test_seed_in_production_refuses_demo_accounts(app, monkeypatch, demo_calls):
    monkeypatch.setitem(app.config, "ENV_NAME", "production")
    result = app.test_cli_runner().invoke(args=["seed", "--demo"])
    assert result.exit_code != 0 and "不创建演示账号" in result.output
    assert demo_calls == []


def test_seed_outside_production_still_loads_the_demo(app, demo_calls):
    result = app.test_cli_runner().invoke(args=["seed"])
    assert result.exit_code == 0, result.output
    assert len(demo_calls) == 1


def test_passwords_are_hashed_with_scrypt_outside_the_tests(app):
    """The test configuration hashes cheaply; the application's own configuration keeps FAB's scrypt."""
    from sqlalchemy import select

    from app import create_app
    from app.extensions import db
    from app.models import PlatformUser
    from tests.conftest import login

    real = create_app("config.Config", SQLALCHEMY_DATABASE_URI=app.config["SQLALCHEMY_DATABASE_URI"],
                      UPLOAD_DIR=app.config["UPLOAD_DIR"])
    with real.app_context():
        user = db.session.scalars(select(PlatformUser).where(PlatformUser.username == "feiqiye")).one()
        assert not user.password.startswith("scrypt:")  # seeded under the test configuration
        real.appbuilder.sm.reset_password(user.id, "Neu@2027mima")
        assert db.session.get(PlatformUser, user.id).password.startswith("scrypt:")
        db.engine.dispose()
    response = login(app.test_client(), "feiqiye", "Neu@2027mima")
    assert response.status_code == 302 and "/login" not in response.headers["Location"]
