"""Configuration, read from the environment with safe embedded defaults.

`DATABASE_URL` selects the database (SQLite under instance/ by default, PostgreSQL in production);
`SECRET_KEY` must be set in production; `REDIS_URL` shares rate-limit and lockout state between workers.
"""
import os
import secrets
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent
INSTANCE_DIR = Path(os.environ.get("INSTANCE_DIR", BASE_DIR / "instance"))


def _dev_secret_key() -> str:
    """A random key kept in instance/ so that sessions survive a restart of the dev server."""
    path = INSTANCE_DIR / "secret_key"
    if not path.exists():
        INSTANCE_DIR.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_hex(32))
    return path.read_text().strip()


class Config:
    ENV_NAME = os.environ.get("APP_ENV", "development")  # "production" turns on the strict checks

    SECRET_KEY = os.environ.get("SECRET_KEY") or _dev_secret_key()
    SQLALCHEMY_DATABASE_URI = os.environ.get(
        "DATABASE_URL", f"sqlite:///{INSTANCE_DIR / 'green.db'}"
    )
    SQLALCHEMY_TRACK_MODIFICATIONS = False
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}
    REDIS_URL = os.environ.get("REDIS_URL")
    # Without Redis, rate limits, lockouts and captcha nonces live in each worker's memory: production refuses
    # that unless it runs one worker only and says so.
    SINGLE_WORKER = os.environ.get("SINGLE_WORKER", "0") == "1"
    # Reverse proxies in front of the application whose X-Forwarded-For/-Proto are believed (0: none).
    TRUSTED_PROXIES = int(os.environ.get("TRUSTED_PROXIES", "0"))

    # Sign-in: an image captcha, a rate limit per address, and a lock after repeated failures.
    # CAPTCHA_ENABLED=0 is for local scripts and tests only; production refuses to start with it.
    CAPTCHA_ENABLED = os.environ.get("CAPTCHA_ENABLED", "1") != "0"
    # Sign-in failures (app/domain/sign_in.py): per typed name and client address, after LOGIN_FREE_FAILURES each
    # further failure doubles the wait from LOGIN_FIRST_DELAY_SECONDS up to LOGIN_MAX_DELAY_SECONDS; a name that
    # LOGIN_LOCK_ADDRESSES different addresses failed for is locked for LOGIN_LOCK_MINUTES, except for addresses
    # it signed in from before. Failures are forgotten LOGIN_FAILURE_WINDOW_SECONDS after the latest one.
    LOGIN_FREE_FAILURES = int(os.environ.get("LOGIN_FREE_FAILURES", "3"))
    LOGIN_FIRST_DELAY_SECONDS = int(os.environ.get("LOGIN_FIRST_DELAY_SECONDS", "30"))
    LOGIN_MAX_DELAY_SECONDS = int(os.environ.get("LOGIN_MAX_DELAY_SECONDS", "900"))
    LOGIN_FAILURE_WINDOW_SECONDS = int(os.environ.get("LOGIN_FAILURE_WINDOW_SECONDS", "86400"))
    LOGIN_LOCK_ADDRESSES = int(os.environ.get("LOGIN_LOCK_ADDRESSES", "10"))
    LOGIN_LOCK_MINUTES = int(os.environ.get("LOGIN_LOCK_MINUTES", "15"))
    SIGN_IN_AUDIT_DAYS = int(os.environ.get("SIGN_IN_AUDIT_DAYS", "180"))  # what `flask prune-sign-ins` keeps
    AUTH_RATE_LIMITED = True
    AUTH_RATE_LIMIT = os.environ.get("AUTH_RATE_LIMIT", "20 per minute")
    RATELIMIT_STORAGE_URI = REDIS_URL or "threadsafe-memory://"  # app/security/rate_limits.py
    RATELIMIT_ENABLED = True  # Flask-AppBuilder defaults it to False
    RATELIMIT_HEADERS_ENABLED = True
    UPLOAD_DIR = str(INSTANCE_DIR / "uploads")
    # The object store of uploaded files (app/storage): unset, the folder UPLOAD_DIR; `s3://bucket/prefix` for an
    # S3-compatible store at S3_ENDPOINT_URL (AWS itself when unset), credentials from boto3's usual chain
    # (AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, a profile or an instance role). With STORAGE_PRESIGN=1 downloads
    # redirect to a presigned URL valid STORAGE_PRESIGN_SECONDS instead of passing through the application.
    STORAGE_URL = os.environ.get("STORAGE_URL", "")
    S3_ENDPOINT_URL = os.environ.get("S3_ENDPOINT_URL") or None
    S3_REGION = os.environ.get("S3_REGION") or os.environ.get("AWS_DEFAULT_REGION") or "us-east-1"
    STORAGE_PRESIGN = os.environ.get("STORAGE_PRESIGN", "0") == "1"
    STORAGE_PRESIGN_SECONDS = int(os.environ.get("STORAGE_PRESIGN_SECONDS", "300"))
    MAX_CONTENT_LENGTH = 60 * 1024 * 1024  # the largest single request; each upload kind has its own, smaller limit
    # Operations (app/operations): JSON logs (default in production), Prometheus metrics behind a bearer token.
    LOG_FORMAT = os.environ.get("LOG_FORMAT")  # json or text; unset: json in production, text elsewhere
    LOG_LEVEL = os.environ.get("LOG_LEVEL", "INFO")
    METRICS_ENABLED = os.environ.get("METRICS_ENABLED", "0") == "1"
    METRICS_TOKEN = os.environ.get("METRICS_TOKEN")

    # Flask-AppBuilder
    APP_NAME = "绿色制造通用线上申报平台"
    APP_ICON = ""
    APP_THEME = ""
    FAB_BASE_TEMPLATE = "layout.html"
    FAB_INDEX_VIEW = "app.views.home.HomeView"
    FAB_SECURITY_MANAGER_CLASS = "app.views.accounts.PlatformSecurityManager"
    FAB_ADD_SECURITY_VIEWS = True
    # Roles are built in (app/security/roles.py), so FAB's permission editors would only mislead.
    FAB_ADD_SECURITY_PERMISSION_VIEW = False
    FAB_ADD_SECURITY_VIEW_MENU_VIEW = False
    FAB_ADD_SECURITY_PERMISSION_VIEWS_VIEW = False
    FAB_API_SWAGGER_UI = False  # its page runs inline script; app/views/api.py serves /api/v1/_openapi itself
    FAB_ADD_MENU_API = False  # /api/v1/menu/ serves FAB's React front end, which the platform does not use
    FAB_UPDATE_PERMS = False  # permissions are synced by `flask seed`, never as a side effect of start-up
    FAB_CREATE_DB = False  # the schema belongs to the migrations
    AUTH_TYPE = 1  # AUTH_DB
    AUTH_USER_REGISTRATION = False
    AUTH_ROLE_ADMIN = "系统管理员"
    AUTH_ROLE_PUBLIC = "Public"
    WTF_CSRF_ENABLED = True
    WTF_CSRF_TIME_LIMIT = 8 * 3600
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    PERMANENT_SESSION_LIFETIME = 8 * 3600

    # Languages: Simplified Chinese first. Babel reads zh_CN as zh_Hans_CN, which finds Flask-Admin's
    # zh_Hans_CN catalogue and falls back to zh for Flask-AppBuilder's; translations/zh (merged over FAB's,
    # which Flask-AppBuilder puts first in BABEL_TRANSLATION_DIRECTORIES) holds what FAB's lacks.
    BABEL_DEFAULT_LOCALE = "zh_CN"
    BABEL_DEFAULT_TIMEZONE = "Asia/Shanghai"
    BABEL_TRANSLATION_DIRECTORIES = str(BASE_DIR / "translations")
    LANGUAGES = {
        "zh_CN": {"flag": "cn", "name": "简体中文"},
        "en": {"flag": "gb", "name": "English"},
    }

    # What the login page tells applicants (manual §一(三)); the IT console edits the stored copy.
    LOGIN_NOTICE = [
        "申报企业请自助注册用户，根据要办理业务选择开通对应的子系统；",
        "申报企业填写申报材料，提交给上级主管部门审核；",
        "各级主管部门登录审核企业填报数据，点击上报给上级主管部门审核。",
    ]
    HELPDESK_PHONE = os.environ.get("HELPDESK_PHONE", "010-68208888")


class TestConfig(Config):
    TESTING = True
    CAPTCHA_ENABLED = False  # the captcha tests turn it on
    AUTH_RATE_LIMIT = "1000 per minute"
    SQLALCHEMY_DATABASE_URI = os.environ.get("TEST_DATABASE_URL", "sqlite://")
    # The suite signs in thousands of times: one round of PBKDF2 instead of FAB's scrypt, for the seeded demo
    # accounts and every password set during the tests. Production keeps FAB's default (tests/http/test_production).
    FAB_PASSWORD_HASH_METHOD = "pbkdf2:sha256:1"
