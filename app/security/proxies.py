"""The client's address and scheme behind the reverse proxy, from the hops the operator trusts.

`TRUSTED_PROXIES` is how many proxies in front of the application append to `X-Forwarded-For` (nginx:
`proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for`) and set `X-Forwarded-Proto`. Werkzeug's ProxyFix
then takes the address that many entries from the right, so whatever a client wrote further left is ignored;
with 0 (no proxy) the headers change nothing. The Host header is not taken from `X-Forwarded-Host`: the proxy
passes Host on as it is, and a proxy that does not set the forwarded one would let a client pick the host name of
links the application builds.
"""
from __future__ import annotations

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix


def install_proxy_fix(app: Flask) -> None:
    hops = app.config.get("TRUSTED_PROXIES", 0)
    if hops:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=0, x_port=0, x_prefix=0)
