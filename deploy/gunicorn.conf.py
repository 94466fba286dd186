"""gunicorn for the platform: `gunicorn -c deploy/gunicorn.conf.py` from the project folder (systemd unit and
compose file alike). Every setting can be changed through the environment below; the defaults suit a server of
2-4 CPUs behind the nginx site of deploy/nginx.

Prometheus (METRICS_ENABLED=1): each worker writes its figures into PROMETHEUS_MULTIPROC_DIR, which must be set
before any worker imports prometheus_client, so it is set here (a folder of this master's own unless the
environment names one), emptied of earlier figures when the master starts and, if it is this master's own,
removed when it stops; a worker that exits is marked
dead so that its gauges go. `GET /metrics` on any worker then adds up every worker's figures.

Logs are JSON on stderr, like the application's own (app/operations/logs.py, the same formatter). The
application writes one line per request with the user and endpoint; gunicorn's access log, which knows neither,
is off unless GUNICORN_ACCESS_LOG=1 (then JSON on stdout, with the same X-Request-ID to join the two).
"""
import os
import shutil
import tempfile

_environ = os.environ
METRICS = _environ.get("METRICS_ENABLED") == "1"
OWN_METRICS_FOLDER = METRICS and not _environ.get("PROMETHEUS_MULTIPROC_DIR")
if OWN_METRICS_FOLDER:
    # systemd's RuntimeDirectory= gives $RUNTIME_DIRECTORY, cleaned when the unit stops
    _environ.setdefault("PROMETHEUS_MULTIPROC_DIR", os.path.join(
        _environ.get("RUNTIME_DIRECTORY") or tempfile.gettempdir(), f"green-declaration-metrics-{os.getpid()}"))

wsgi_app = "app:create_app()"
bind = _environ.get("GUNICORN_BIND", "127.0.0.1:8000").split(",")
workers = int(_environ.get("GUNICORN_WORKERS", str(min(2 * (os.cpu_count() or 1) + 1, 9))))
worker_class = "gthread"
threads = int(_environ.get("GUNICORN_THREADS", "4"))  # at most the database pool's size (SQLAlchemy: 5)
# Exports and statistics that do not run as jobs stay inside a request; nginx waits a little longer (75 s).
timeout = int(_environ.get("GUNICORN_TIMEOUT", "60"))
graceful_timeout = 30
keepalive = 5
max_requests = 2000  # a worker is replaced now and then, so that a slow leak cannot grow without end
max_requests_jitter = 200
if os.path.isdir("/dev/shm"):
    worker_tmp_dir = "/dev/shm"  # the heartbeat file off the (possibly slow or overlay) disk
# X-Forwarded-For/-Proto are read by the application alone (TRUSTED_PROXIES, app/security/proxies.py).
secure_scheme_headers = {}
# gunicorn's control socket (gunicornc) only when asked for, at a path of the operator's choice
control_socket_disable = not _environ.get("GUNICORN_CONTROL_SOCKET")
if _environ.get("GUNICORN_CONTROL_SOCKET"):
    control_socket = _environ["GUNICORN_CONTROL_SOCKET"]

loglevel = _environ.get("GUNICORN_LOG_LEVEL", "info")
accesslog = "-" if _environ.get("GUNICORN_ACCESS_LOG") == "1" else None
access_log_format = "%(m)s %(U)s %(s)s"  # the message; AccessLogFormatter adds the fields
logconfig_dict = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "json": {"()": "app.operations.logs.JsonLogFormatter"},
        "access": {"()": "app.operations.logs.AccessLogFormatter"},
    },
    "handlers": {
        "error": {"class": "logging.StreamHandler", "formatter": "json", "stream": "ext://sys.stderr"},
        "access": {"class": "logging.StreamHandler", "formatter": "access", "stream": "ext://sys.stdout"},
    },
    "root": {"level": "WARNING", "handlers": []},  # the application installs its own JSON handler
    "loggers": {
        "gunicorn.error": {"level": loglevel.upper(), "handlers": ["error"], "propagate": False},
        "gunicorn.access": {"level": "INFO" if accesslog else "CRITICAL", "handlers": ["access"],
                            "propagate": False},
    },
}


def on_starting(server):
    if METRICS:
        folder = _environ["PROMETHEUS_MULTIPROC_DIR"]
        os.makedirs(folder, mode=0o700, exist_ok=True)
        for name in os.listdir(folder):  # figures of an earlier run would be added to this one's
            if name.endswith(".db"):
                os.remove(os.path.join(folder, name))


def child_exit(server, worker):
    if METRICS:
        from prometheus_flask_exporter.multiprocess import GunicornInternalPrometheusMetrics

        GunicornInternalPrometheusMetrics.mark_process_dead_on_child_exit(worker.pid)


def on_exit(server):
    if OWN_METRICS_FOLDER and not _environ.get("RUNTIME_DIRECTORY"):
        shutil.rmtree(_environ["PROMETHEUS_MULTIPROC_DIR"], ignore_errors=True)
