"""What the people running the platform need from it: health and readiness answers for the load balancer,
one structured log line per request, and Prometheus metrics. Every part is off or silent in the embedded default
(`make run`); `install_operations` is called first by the factory, so its hooks see every request whole."""
from __future__ import annotations

from flask import Flask


def install_operations(app: Flask) -> None:
    from app.operations.health import blueprint
    from app.operations.logs import install_logs
    from app.operations.metrics import install_metrics

    install_logs(app)
    install_metrics(app)
    app.register_blueprint(blueprint)
