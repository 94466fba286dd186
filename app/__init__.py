"""The application factory."""
from __future__ import annotations

from flask import Flask
from flask_appbuilder import AppBuilder

from app.extensions import csrf, db, migrate


def create_app(config_object: object | str = "config.Config", **overrides) -> Flask:
    app = Flask(__name__, instance_path=None)
    app.config.from_object(config_object)
    app.config.update(overrides)
    from app.security.passwords import password_complexity

    app.config.setdefault("FAB_PASSWORD_COMPLEXITY_ENABLED", True)
    app.config.setdefault("FAB_PASSWORD_COMPLEXITY_VALIDATOR", password_complexity)
    _check_production_settings(app)
    from app.operations import install_operations

    install_operations(app)  # first, so that the request log and the metrics see each request whole
    from app.security.headers import install_security_headers
    from app.security.proxies import install_proxy_fix

    install_security_headers(app)
    install_proxy_fix(app)

    db.init_app(app)
    migrate.init_app(app, db, directory=str(_migrations_dir()), render_as_batch=True, compare_type=True)
    csrf.init_app(app)
    from app.views.bounds import install_bounds, install_converters

    install_converters(app)  # before any route, so every <int:...> is bounded

    from app import models  # noqa: F401  (registers every mapping on Model.metadata)
    from app.security import rate_limits  # noqa: F401  (registers the rate limits' storage before FAB's limiter)

    with app.app_context():
        appbuilder = AppBuilder(update_perms=app.config["FAB_UPDATE_PERMS"])
        appbuilder.init_app(app, db.session)
        from app.views import register_views

        register_views(appbuilder)
        from app.console import init_console

        init_console(app)

    from app.cli import register_cli
    from app.views.errors import register_error_pages

    from app.security.request_guard import install_request_guard
    from app.security.sessions import install_session_epoch

    register_cli(app)
    register_error_pages(app)
    install_request_guard(app)
    install_session_epoch(app)
    install_bounds(app)
    return app


def _migrations_dir():
    from pathlib import Path

    return Path(__file__).resolve().parent / "migrations"


def _check_production_settings(app: Flask) -> None:
    """Refuse to start in production with settings that only make sense on a developer's machine."""
    if app.config.get("ENV_NAME") != "production":
        return
    import os

    problems = []
    if not os.environ.get("SECRET_KEY"):
        problems.append("SECRET_KEY must be set in the environment")
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        problems.append("production needs DATABASE_URL pointing at PostgreSQL")
    if not app.config.get("REDIS_URL") and not app.config.get("SINGLE_WORKER"):
        problems.append("production needs REDIS_URL so that rate limits, lockouts and captcha nonces are shared by "
                        "every worker (or SINGLE_WORKER=1 when exactly one worker process runs)")
    if not app.config.get("CAPTCHA_ENABLED"):
        problems.append("CAPTCHA_ENABLED=0 is for local scripts and tests, never for production")
    if problems:
        raise RuntimeError("; ".join(problems))
