"""Configuration read from the environment, with safe embedded defaults.

The embedded default is a single process on SQLite; PostgreSQL (``DATABASE_URL``)
and Redis (``SOCKETIO_MESSAGE_QUEUE``) are the scale-out path.
"""
from __future__ import annotations

import json
import os
import secrets
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
INSTANCE_DIR = Path(os.environ.get("ROUNDTABLE_INSTANCE", PROJECT_ROOT / "instance"))

DEFAULT_DEADLINE_HOURS = {
    "emergency": 2,
    "utilities": 24,
    "ordinary": 7 * 24,
    "complex": 15 * 24,
}


def database_url_from(raw: str | None) -> str:
    """Accept the usual ``postgres://`` spellings and pin the psycopg 3 driver."""
    if not raw:
        return f"sqlite:///{INSTANCE_DIR / 'roundtable.db'}"
    for prefix in ("postgres://", "postgresql://"):
        if raw.startswith(prefix):
            return "postgresql+psycopg://" + raw[len(prefix):]
    return raw


def _secret_key() -> str:
    """A fixed key from the environment, or one kept in the instance folder.

    Sessions must survive a restart of ``make run``, so a random key is written
    once and reused rather than regenerated on every start.
    """
    if os.environ.get("SECRET_KEY"):
        return os.environ["SECRET_KEY"]
    key_file = INSTANCE_DIR / "secret_key"
    if not key_file.exists():
        write_private_file(key_file, secrets.token_hex(32))
    return key_file.read_text().strip()


def private_instance_dir() -> Path:
    """The instance folder, created 0700: it holds the database, its WAL and the keys."""
    INSTANCE_DIR.mkdir(parents=True, exist_ok=True)
    INSTANCE_DIR.chmod(0o700)
    return INSTANCE_DIR


def write_private_file(path: Path, text: str) -> None:
    """Create ``path`` readable by this user only (0600) from the first byte, never 0644 then chmod."""
    private_instance_dir() if path.parent == INSTANCE_DIR else path.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w") as handle:
        handle.write(text)


def _env_flag(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    return value.strip().lower() in ("1", "true", "yes", "on")


def _deadline_hours() -> dict[str, int]:
    hours = dict(DEFAULT_DEADLINE_HOURS)
    if os.environ.get("CASE_DEADLINE_HOURS"):
        hours.update({k: int(v) for k, v in json.loads(os.environ["CASE_DEADLINE_HOURS"]).items()})
    return hours


class Config:
    SECRET_KEY: str | None = None  # filled lazily in create_app so imports never touch the disk
    SQLALCHEMY_DATABASE_URI = database_url_from(os.environ.get("DATABASE_URL"))
    # No pool_pre_ping: a pooled connection is tested only after DB_PING_AFTER_IDLE seconds unused
    # (roundtable/__init__.py, _ping_after_idle); pre-pinging every checkout cost a round trip per event.
    SQLALCHEMY_ENGINE_OPTIONS: dict = {}
    DB_PING_AFTER_IDLE = float(os.environ.get("DB_PING_AFTER_IDLE", "2"))
    BABEL_DEFAULT_LOCALE = "zh_CN"
    BABEL_DEFAULT_TIMEZONE = "Asia/Shanghai"
    BABEL_TRANSLATION_DIRECTORIES = str(PROJECT_ROOT / "translations")
    LANGUAGES = {"zh_CN": "中文", "en": "English"}
    CASE_DEADLINE_HOURS = _deadline_hours()
    # The 三率 formulas' weights and exclusions (JSON, merged over the defaults shown on the dashboard),
    # e.g. THREE_RATES='{"weights": {"response": 0.2, "resolution": 0.4, "satisfaction": 0.4}}'.
    THREE_RATES = json.loads(os.environ.get("THREE_RATES", "{}"))
    PAGE_SIZE = 20
    RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI", "memory://")
    RATELIMIT_HEADERS_ENABLED = False
    LOGIN_RATE_LIMIT = os.environ.get("LOGIN_RATE_LIMIT", "10 per minute")
    SOCKETIO_MESSAGE_QUEUE = os.environ.get("SOCKETIO_MESSAGE_QUEUE")
    # Live channel and Redis keys of this deployment (default: derived from DATABASE_URL), so that
    # several deployments can share one Redis server without hearing each other.
    DEPLOYMENT_PREFIX = os.environ.get("DEPLOYMENT_PREFIX", "")
    # Threading for the embedded single process; production runs gevent (see README).
    # Set explicitly: with gevent installed, auto-detection would pick it without monkey patching.
    SOCKETIO_ASYNC_MODE = os.environ.get("SOCKETIO_ASYNC_MODE", "threading")
    # Live tallies: at most one broadcast per poll and process per window (seconds).
    LIVE_TALLY_WINDOW = float(os.environ.get("LIVE_TALLY_WINDOW", "0.25"))
    # Redis message queue: one bounded pool per process; past its size publishers wait
    # (up to the timeout) instead of failing (redis-py 8 raises past 100 connections).
    SOCKETIO_REDIS_MAX_CONNECTIONS = int(os.environ.get("SOCKETIO_REDIS_MAX_CONNECTIONS", "50"))
    SOCKETIO_REDIS_POOL_TIMEOUT = float(os.environ.get("SOCKETIO_REDIS_POOL_TIMEOUT", "5"))
    # /healthz calls the job worker missing when its heartbeat is older than this (seconds).
    WORKER_HEARTBEAT_STALE = float(os.environ.get("WORKER_HEARTBEAT_STALE", "60"))
    MAX_CONTENT_LENGTH = 10 * 1024 * 1024
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_HTTPONLY = True
    PUBLIC_BASE_URL = os.environ.get("PUBLIC_BASE_URL", "")
    # Secret ballots are sealed to keys derived from this key, which never enters the database
    # (docs/security.md): 64 hex digits in BALLOT_KEY, else a 0600 file (BALLOT_KEY_FILE, default instance/ballot_key).
    BALLOT_KEY = os.environ.get("BALLOT_KEY", "")
    BALLOT_KEY_FILE = os.environ.get("BALLOT_KEY_FILE", "")
    # Audit checkpoints are signed (Ed25519) with this key, kept outside the database: 64 hex digits,
    # else a 0600 file (AUDIT_KEY_FILE, default instance/audit_signing_key). After a rotation the old
    # public keys go into AUDIT_TRUSTED_KEYS (comma-separated hex) so that older anchors still verify.
    AUDIT_SIGNING_KEY = os.environ.get("AUDIT_SIGNING_KEY", "")
    AUDIT_KEY_FILE = os.environ.get("AUDIT_KEY_FILE", "")
    AUDIT_TRUSTED_KEYS = os.environ.get("AUDIT_TRUSTED_KEYS", "")
    TEMPLATES_AUTO_RELOAD = False
    # Notifications: which sender each outbound channel uses (log | smtp | a registered gateway).
    NOTIFY_SENDER = os.environ.get("NOTIFY_SENDER", "log")
    NOTIFY_SENDERS = {"email": NOTIFY_SENDER, "sms": os.environ.get("NOTIFY_SMS_SENDER", "log")}
    MAIL_SERVER = os.environ.get("MAIL_SERVER", "")
    MAIL_PORT = int(os.environ.get("MAIL_PORT", "25"))
    MAIL_USERNAME = os.environ.get("MAIL_USERNAME", "")
    MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD", "")
    MAIL_USE_TLS = _env_flag("MAIL_USE_TLS")
    MAIL_USE_SSL = _env_flag("MAIL_USE_SSL")
    MAIL_FROM = os.environ.get("MAIL_FROM", "")
    MAIL_TIMEOUT = float(os.environ.get("MAIL_TIMEOUT", "30"))
    # Outbox delivery: a background dispatcher per server process (off: run `flask outbox run`).
    OUTBOX_DISPATCHER = _env_flag("OUTBOX_DISPATCHER", True)
    # Open311: stock GeoReport clients may read requests without an api_key, fields without personal data only.
    OPEN311_PUBLIC_READ = _env_flag("OPEN311_PUBLIC_READ")
    OUTBOX_POLL_SECONDS = float(os.environ.get("OUTBOX_POLL_SECONDS", "5"))
    OUTBOX_BATCH_SIZE = int(os.environ.get("OUTBOX_BATCH_SIZE", "50"))
    OUTBOX_MAX_ATTEMPTS = int(os.environ.get("OUTBOX_MAX_ATTEMPTS", "6"))
    OUTBOX_BACKOFF_SECONDS = [60, 300, 1800, 7200, 21600]  # 1 min, 5 min, 30 min, 2 h, 6 h
    OUTBOX_SENDING_TIMEOUT = int(os.environ.get("OUTBOX_SENDING_TIMEOUT", "600"))
    # Background jobs (PDF rendering): `flask worker run`; `make run` starts one as a child process.
    EMBEDDED_WORKER = os.environ.get("EMBEDDED_WORKER", "1") == "1"
    JOB_POLL_INTERVAL = float(os.environ.get("JOB_POLL_INTERVAL", "1"))
    JOB_LEASE_SECONDS = int(os.environ.get("JOB_LEASE_SECONDS", "900"))
    JOB_MAX_ATTEMPTS = int(os.environ.get("JOB_MAX_ATTEMPTS", "3"))
    # Minutes: how long attendees have to approve or correct the draft (days).
    MINUTES_REVIEW_DAYS = int(os.environ.get("MINUTES_REVIEW_DAYS", "3"))
    # Commitment escalation defaults (a community may set its own): 提醒 this many hours before the
    # deadline, 催办 at it, 督办 to the street this many hours after it. The periodic pass runs in
    # the job worker every ESCALATION_INTERVAL seconds.
    ESCALATION_REMIND_BEFORE_HOURS = int(os.environ.get("ESCALATION_REMIND_BEFORE_HOURS", "48"))
    ESCALATION_SUPERVISE_AFTER_HOURS = int(os.environ.get("ESCALATION_SUPERVISE_AFTER_HOURS", "72"))
    ESCALATION_INTERVAL = float(os.environ.get("ESCALATION_INTERVAL", "60"))
    # Satisfaction links (是否解决/是否满意) stay valid this many days, once per person.
    SATISFACTION_LINK_DAYS = int(os.environ.get("SATISFACTION_LINK_DAYS", "7"))
    # Proxy votes: how many residents one holder may represent in a meeting.
    PROXY_MAX_PER_HOLDER = int(os.environ.get("PROXY_MAX_PER_HOLDER", "2"))
    # Aliyun SMS (NOTIFY_SMS_SENDER=aliyun): the HTTP API, signed by roundtable.notifications.aliyun.
    ALIYUN_SMS_ENDPOINT = os.environ.get("ALIYUN_SMS_ENDPOINT", "https://dysmsapi.aliyuncs.com/")
    ALIYUN_SMS_ACCESS_KEY_ID = os.environ.get("ALIYUN_SMS_ACCESS_KEY_ID", "")
    ALIYUN_SMS_ACCESS_KEY_SECRET = os.environ.get("ALIYUN_SMS_ACCESS_KEY_SECRET", "")
    ALIYUN_SMS_SIGN_NAME = os.environ.get("ALIYUN_SMS_SIGN_NAME", "")
    ALIYUN_SMS_TEMPLATE_CODE = os.environ.get("ALIYUN_SMS_TEMPLATE_CODE", "")
    ALIYUN_SMS_REGION = os.environ.get("ALIYUN_SMS_REGION", "cn-hangzhou")
    ALIYUN_SMS_TIMEOUT = float(os.environ.get("ALIYUN_SMS_TIMEOUT", "10"))


class ProductionConfig(Config):
    # Every cookie Secure in production (HTTPS behind nginx); SESSION_COOKIE_SECURE=0 only for a plain-HTTP trial.
    SESSION_COOKIE_SECURE = os.environ.get("SESSION_COOKIE_SECURE", "1") == "1"
    REMEMBER_COOKIE_SECURE = SESSION_COOKIE_SECURE
    # Published resolutions print a verification link: it must name the public address, never a request's Host.
    REQUIRE_PUBLIC_BASE_URL = True


class TestConfig(Config):
    TESTING = True
    SECRET_KEY = "test-secret-key"
    BALLOT_KEY = "5e" * 32
    AUDIT_SIGNING_KEY = "a7" * 32
    WTF_CSRF_ENABLED = False
    RATELIMIT_ENABLED = True
    LOGIN_RATE_LIMIT = "5 per minute"
    SQLALCHEMY_DATABASE_URI = "sqlite://"
    # A cheap hash keeps fixtures fast; production keeps werkzeug's strong default.
    PASSWORD_HASH_METHOD = "pbkdf2:sha256:1000"
    NOTIFY_SENDER = "log"
    NOTIFY_SENDERS = {"email": "log", "sms": "log"}
    OUTBOX_DISPATCHER = False  # tests call deliver_due_messages themselves
