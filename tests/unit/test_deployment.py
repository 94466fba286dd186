"""The reference deployment (deploy/) agrees with the application: nginx's body limit is the application's
MAX_CONTENT_LENGTH, its proxy headers are the ones TRUSTED_PROXIES=1 believes, the compose file parses and runs
every part, and the example settings use the names config.py reads. gunicorn's configuration is started for real
in tests/http/test_operations.py."""
from __future__ import annotations

import re
from pathlib import Path

import yaml

from config import Config

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"
SITE = (DEPLOY / "nginx/green-declaration.conf").read_text()
CONFIG_PY = (DEPLOY.parent / "config.py").read_text()


def directives(name: str) -> list[str]:
    return [value.strip() for value in re.findall(rf"^\s*{name}\s+([^;]+);", SITE, re.M)]


def test_nginx_takes_exactly_the_largest_request_the_application_takes():
    (limit,) = directives("client_max_body_size")
    size = int(limit.rstrip("mM")) * 1024 * 1024
    assert size == Config.MAX_CONTENT_LENGTH


def test_nginx_sends_what_one_trusted_proxy_must_send():
    headers = dict(value.split(None, 1) for value in directives("proxy_set_header"))
    assert headers["X-Forwarded-For"] == "$proxy_add_x_forwarded_for"  # appended: the last entry is the client
    assert headers["X-Forwarded-Proto"] == "$scheme"
    assert headers["Host"] == "$host"
    assert headers["X-Request-ID"] == "$request_id"  # replaces whatever the client sent
    assert headers["X-Forwarded-Host"] == '""'


def test_nginx_serves_tls_static_files_and_keeps_metrics_and_readiness_inside():
    assert any(value.startswith("443 ssl") for value in directives("listen"))
    assert directives("ssl_certificate") and directives("ssl_protocols") == ["TLSv1.2 TLSv1.3"]
    assert {"/srv/green-declaration/static/app/", "/srv/green-declaration/static/appbuilder/",
            "/srv/green-declaration/static/console/"} == set(directives("alias"))
    metrics = re.search(r"location = /metrics \{(.*?)\}", SITE, re.S).group(1)
    assert "return 404" in metrics and "proxy_pass" not in metrics
    readiness = re.search(r"location = /readyz \{(.*?)\}", SITE, re.S).group(1)
    assert "deny all" in readiness
    assert "location = /healthz" in SITE


def test_the_static_folders_nginx_serves_are_the_application_s():
    """collect-static.sh copies what the three static URL prefixes of the application serve."""
    script = (DEPLOY / "collect-static.sh").read_text()
    assert 'cp -R app/static "$target/app"' in script
    assert "flask_appbuilder)/static/appbuilder" in script and "flask_admin)/static" in script


def test_the_compose_file_runs_every_part():
    compose = yaml.safe_load((DEPLOY / "docker-compose.yml").read_text())
    services = compose["services"]
    assert {"app", "worker", "migrate", "postgres", "redis", "minio", "bucket", "nginx"} <= set(services)
    assert services["worker"]["command"] == ["flask", "worker"]
    assert services["app"]["command"] == ["gunicorn", "-c", "deploy/gunicorn.conf.py"]
    assert services["app"]["depends_on"]["migrate"] == {"condition": "service_completed_successfully"}
    assert "noeviction" in " ".join(services["redis"]["command"])
    assert "443:443" in services["nginx"]["ports"]


def test_the_example_settings_are_the_ones_config_reads():
    example = dict(line.split("=", 1) for line in (DEPLOY / "env.example").read_text().splitlines()
                   if line and not line.startswith("#"))
    read = set(re.findall(r'os\.environ\.get\(\s*"([A-Z_]+)"', CONFIG_PY))
    application = {"APP_ENV", "SECRET_KEY", "DATABASE_URL", "REDIS_URL", "TRUSTED_PROXIES", "INSTANCE_DIR",
                   "LOG_FORMAT", "LOG_LEVEL", "METRICS_ENABLED", "METRICS_TOKEN"}
    assert application <= read, "config.py reads each of these"
    assert application <= set(example)
    assert example["TRUSTED_PROXIES"] == "1" and example["APP_ENV"] == "production"
    assert example["STORAGE_URL"].startswith("s3://") and example["S3_ENDPOINT_URL"].startswith("http")
    bucket = example["STORAGE_URL"].removeprefix("s3://").split("/")[0]
    assert f"store/{bucket}" in (DEPLOY / "docker-compose.yml").read_text(), "compose creates the bucket"
    assert example["POSTGRES_PASSWORD"] in example["DATABASE_URL"]
    assert example["REDIS_PASSWORD"] in example["REDIS_URL"]
    assert example["MINIO_ROOT_PASSWORD"] == example["AWS_SECRET_ACCESS_KEY"]


def test_the_systemd_units_run_gunicorn_with_the_reference_config_and_the_job_worker():
    units = DEPLOY / "systemd"
    web = (units / "green-declaration.service").read_text()
    assert "gunicorn -c deploy/gunicorn.conf.py" in web and "RuntimeDirectory=green-declaration" in web
    assert "EnvironmentFile=/etc/green-declaration/env" in web
    assert "bin/flask worker" in (units / "green-declaration-worker@.service").read_text()
    assert "OnCalendar=" in (units / "green-declaration-prune-sign-ins.timer").read_text()
