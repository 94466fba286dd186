"""Prometheus metrics of every request, per endpoint (prometheus-flask-exporter), with `METRICS_ENABLED=1`.

`GET /metrics` answers only a bearer token equal to `METRICS_TOKEN` (`Authorization: Bearer …`); without it 401,
and without METRICS_ENABLED there is no such route at all. The reference nginx site refuses the path too:
Prometheus scrapes each application server directly. Under gunicorn (several worker processes) the figures of
every worker are added up through the files of `PROMETHEUS_MULTIPROC_DIR`, which deploy/gunicorn.conf.py sets
before any worker starts and cleans of the workers that exit; without it one process's own figures are shown.

Series: `flask_http_request_duration_seconds{method, endpoint, status}` (a histogram: its `_count` is the number
of requests of each endpoint), `flask_http_request_total{method, status}` and
`flask_http_request_exceptions_total{method, status}`.
"""
from __future__ import annotations

import functools
import hmac
import os

from flask import Flask, current_app, jsonify, request
from flask_babel import gettext

PATH = "/metrics"
MINIMUM_TOKEN_LENGTH = 16


def install_metrics(app: Flask):
    if not app.config.get("METRICS_ENABLED"):
        return None
    if len(app.config.get("METRICS_TOKEN") or "") < MINIMUM_TOKEN_LENGTH:
        raise RuntimeError(f"METRICS_ENABLED=1 needs METRICS_TOKEN, a secret of at least {MINIMUM_TOKEN_LENGTH} "
                           "characters that Prometheus sends as a bearer token")
    settings = {"group_by": "endpoint", "metrics_decorator": _bearer_token_required}
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_flask_exporter.multiprocess import GunicornInternalPrometheusMetrics

        metrics = GunicornInternalPrometheusMetrics(app, path=PATH, **settings)
    else:
        from prometheus_client import CollectorRegistry
        from prometheus_flask_exporter import PrometheusMetrics

        # a registry of its own: the process-wide one would refuse a second app's metrics (the tests build many)
        metrics = PrometheusMetrics(app, path=PATH, registry=CollectorRegistry(), **settings)
    app.extensions["metrics"] = metrics
    return metrics


def _bearer_token_required(view):
    @functools.wraps(view)
    def guarded(*args, **kwargs):
        scheme, _, given = request.headers.get("Authorization", "").partition(" ")
        expected = current_app.config["METRICS_TOKEN"]
        if scheme.lower() != "bearer" or not hmac.compare_digest(given.strip().encode(), expected.encode()):
            response = jsonify(message=gettext("监控指标需要令牌：请求头 Authorization 应为 Bearer 加 METRICS_TOKEN 的值"))
            response.status_code = 401
            response.headers["WWW-Authenticate"] = 'Bearer realm="metrics"'
            response.headers["Cache-Control"] = "no-store"
            return response
        return view(*args, **kwargs)

    return guarded
