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
