"""Security headers on every response (Flask-Talisman) and the cookie flags of production.

The Content-Security-Policy allows no inline script or style at all: scripts and styles come from this server's
own files, and a `<script>` that must stay in a template carries the request's nonce (`csp_nonce()`, which
Flask-AppBuilder's `baselib.get_nonce()` and the console's `admin_csp_nonce_attribute` print). Style attributes
cannot take a nonce, so templates use the classes of static/css instead.
"""
from __future__ import annotations

from flask import Flask, request
from flask_talisman import Talisman

SELF = "'self'"
CONTENT_SECURITY_POLICY = {
    "default-src": SELF,
    "script-src": SELF,  # plus the request's nonce
    "style-src": SELF,
    # Bootstrap 4's stylesheet (the console's) draws its select arrow, navbar toggler and form check marks as
    # data: SVG images; an image cannot run script, so data: stays allowed for images and nowhere else.
    "img-src": f"{SELF} data:",
    "font-src": SELF,
    "connect-src": SELF,
    "object-src": "'none'",
    "base-uri": "'none'",
    "form-action": SELF,
    "frame-ancestors": "'none'",
}
REFERRER_POLICY = "strict-origin-when-cross-origin"
# Features no page of the platform uses, so that an injected script cannot ask for them either.
PERMISSIONS_POLICY = {"camera": "()", "microphone": "()", "geolocation": "()", "payment": "()", "usb": "()"}


def csp_nonce() -> str:
    """The nonce of the current request's policy (Talisman draws one per request)."""
    return getattr(request, "csp_nonce", "")


def install_security_headers(app: Flask) -> None:
    """Talisman on the whole app (the console included). HSTS and Secure cookies only in production, which is
    served over HTTPS by the reverse proxy; redirecting plain HTTP to HTTPS is the proxy's job too."""
    production = app.config.get("ENV_NAME") == "production"
    if production:
        app.config.update(
            SESSION_COOKIE_SECURE=True, SESSION_COOKIE_HTTPONLY=True, SESSION_COOKIE_SAMESITE="Lax",
            REMEMBER_COOKIE_SECURE=True, REMEMBER_COOKIE_HTTPONLY=True, REMEMBER_COOKIE_SAMESITE="Lax",
        )
    Talisman(
        app,
        force_https=False,
        frame_options="DENY",
        strict_transport_security=production,
        content_security_policy=CONTENT_SECURITY_POLICY,
        content_security_policy_nonce_in=["script-src"],
        referrer_policy=REFERRER_POLICY,
        permissions_policy=PERMISSIONS_POLICY,
        session_cookie_secure=production,
        session_cookie_http_only=True,
        session_cookie_samesite="Lax",
        x_content_type_options=True,
    )
