"""Security headers on every response, a policy without inline script or style, and the cookie flags of
production (issue 16: headers)."""
from __future__ import annotations

import re

import pytest

from tests.conftest import login

NONCE = re.compile(r"'nonce-([^']+)'")


def policy(response) -> dict[str, str]:
    header = response.headers["Content-Security-Policy"]
    return {part.split(" ", 1)[0]: part.split(" ", 1)[1] for part in (p.strip() for p in header.split(";")) if part}


@pytest.mark.parametrize("path", ["/login/", "/static/css/platform.css", "/no/such/page", "/api/v1/declarations/",
                                  "/console/", "/gongshi/"])
def test_every_response_carries_the_headers(app, path):
    response = app.test_client().get(path)
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    csp = policy(response)
    assert csp["frame-ancestors"] == "'none'" and csp["object-src"] == "'none'" and csp["base-uri"] == "'none'"
    assert csp["form-action"] == "'self'" and csp["default-src"] == "'self'" and csp["style-src"] == "'self'"
    assert re.fullmatch(r"'self' 'nonce-[\w-]+'", csp["script-src"])
    assert "unsafe" not in response.headers["Content-Security-Policy"]
    assert "Strict-Transport-Security" not in response.headers  # development: plain HTTP


def test_the_nonce_is_drawn_per_request_and_printed_in_the_page(app):
    client = app.test_client()
    first, second = client.get("/login/"), client.get("/login/")
    nonces = [NONCE.search(r.headers["Content-Security-Policy"]).group(1) for r in (first, second)]
    assert nonces[0] != nonces[1]
    assert f'nonce="{nonces[1]}"' in second.get_data(as_text=True)


INLINE = re.compile(r"""<style|\sstyle\s*=|\son[a-z]+\s*=\s*["']|href\s*=\s*["']javascript:(?!void\(0\))""", re.I)
SCRIPT = re.compile(r"<script\b([^>]*)>", re.I)


def inline_code(response) -> list[str]:
    """What the policy would refuse: style elements and attributes, event handler attributes, and inline script
    elements without the request's nonce (Flask-AppBuilder's list and search widgets keep a few, nonced; ours
    load files or carry data as application/json)."""
    html = response.get_data(as_text=True)
    nonce = f'nonce="{NONCE.search(response.headers["Content-Security-Policy"]).group(1)}"'
    found = [m.group(0) for m in INLINE.finditer(html)]
    found += [m.group(0) for m in SCRIPT.finditer(html)
              if "src=" not in m.group(1) and "application/json" not in m.group(1) and nonce not in m.group(1)]
    return found


PAGES = {
    None: ["/login/", "/register/", "/register/enterprise/", "/gongshi/"],
    "qiye": ["/", "/declarations/green_factory/list/", "/profile/organization/", "/profile/password/"],
    "changan": ["/", "/review/declarations/list/", "/dashboard/"],
    "admin": ["/users/list/", "/users/show/1", "/users/add", "/users/userinfo/", "/roles/list/",
              "/reference/batches/list/", "/reference/batches/show/1", "/console/", "/console/batches/",
              "/console/batches/edit/?id=1", "/console/regions/", "/console/audit/"],
}


@pytest.mark.parametrize("username", list(PAGES), ids=lambda u: u or "anonymous")
def test_pages_hold_no_inline_script_or_style(username, app, client_as):
    """The HTTP side of the browser tests' CSP check, on both databases: no page writes what the policy refuses."""
    client = client_as(username) if username else app.test_client()
    for path in PAGES[username]:
        response = client.get(path)
        assert response.status_code == 200, path
        assert inline_code(response) == [], path


# --- production ----------------------------------------------------------------------------------------------

PRODUCTION = {"ENV_NAME": "production", "CAPTCHA_ENABLED": True, "REDIS_URL": "redis://cache:6379/0",
              "SQLALCHEMY_DATABASE_URI": "postgresql://nowhere/none"}


def bare_app(**settings):
    """A Flask app with production's settings, without the database that create_app would connect to."""
    from flask import Flask

    app = Flask(__name__)
    app.config.from_object("config.Config")
    app.config.update(PRODUCTION, **settings)
    return app


def test_production_cookies_are_secure_httponly_and_samesite():
    from flask import session

    from app.security.headers import install_security_headers

    app = bare_app(SECRET_KEY="x" * 32)
    install_security_headers(app)
    app.add_url_rule("/fill", "fill", lambda: session.update(seen=1) or "ok")
    assert app.config["REMEMBER_COOKIE_SECURE"] and app.config["REMEMBER_COOKIE_HTTPONLY"]
    assert app.config["REMEMBER_COOKIE_SAMESITE"] == "Lax"
    response = app.test_client().get("/fill", base_url="https://green.example.cn")
    cookie = response.headers["Set-Cookie"]
    assert cookie.startswith("session=") and "; Secure" in cookie and "; HttpOnly" in cookie
    assert "SameSite=Lax" in cookie
    assert response.headers["Strict-Transport-Security"].startswith("max-age=31556926")  # a year


def test_development_cookies_work_over_plain_http(app):
    cookie = app.test_client().get("/login/").headers["Set-Cookie"]
    assert "; HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie


def test_login_still_works_with_the_headers(app):
    assert login(app.test_client(), "qiye").status_code == 302
