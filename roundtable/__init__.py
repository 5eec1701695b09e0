"""Roundtable: community deliberation meetings for 接诉即办 cases.

``create_app`` assembles the application from small ``register_*`` steps.
"""
from __future__ import annotations

import os

from flask import Flask

from roundtable.config import INSTANCE_DIR, PROJECT_ROOT, Config, ProductionConfig


def create_app(config: type | None = None, **overrides) -> Flask:
    app = Flask(
        __name__,
        template_folder=str(PROJECT_ROOT / "templates"),
        static_folder=str(PROJECT_ROOT / "static"),
        instance_path=str(INSTANCE_DIR),
    )
    if config is None:
        config = ProductionConfig if os.environ.get("ROUNDTABLE_ENV") == "production" else Config
    app.config.from_object(config)
    app.config.update(overrides)
    if not app.config.get("SECRET_KEY"):
        from roundtable.config import _secret_key

        app.config["SECRET_KEY"] = _secret_key()

    register_id_converter(app)
    register_extensions(app)
    register_database_tuning(app)
    register_blueprints(app)
    register_templates(app)
    register_error_handlers(app)
    register_commands(app)
    register_outbox_dispatcher(app)
    register_live(app)
    register_audit(app)
    return app


def register_id_converter(app: Flask) -> None:
    """Before any route exists: ``<int:id>`` beyond a database id's range matches nothing (404)."""
    from roundtable.core.ids import install_id_converter

    install_id_converter(app)


def _size_the_pool(app: Flask) -> None:
    """PostgreSQL: the connections of one server process (``DB_POOL_SIZE``, default 10, plus
    ``DB_MAX_OVERFLOW``, default 5). Connections beyond the kept ones are closed as soon as they
    are returned, so with 10 + 10 each burst of a joining rush past the pool opened a new
    PostgreSQL backend (about a fifth of the server's work in the rush). Now a join holds one
    for a single statement and rarely needs more than the 10 kept; the few beyond them are for
    a burst that holds them longer (one core does not go faster with more)."""
    if not str(app.config.get("SQLALCHEMY_DATABASE_URI") or "").startswith("postgresql"):
        return
    options = dict(app.config.get("SQLALCHEMY_ENGINE_OPTIONS") or {})
    options.setdefault("pool_size", int(os.environ.get("DB_POOL_SIZE", 10)))
    options.setdefault("max_overflow", int(os.environ.get("DB_MAX_OVERFLOW", 5)))
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = options


def _ping_after_idle(engine, idle_seconds: float) -> None:
    """Test a pooled connection before use only when it sat idle for ``idle_seconds`` (``DB_PING_AFTER_IDLE``).

    ``pool_pre_ping`` pings at every checkout: a round trip per event, ~6% of a joining
    rush, spent on connections used a few milliseconds before. A connection idle longer
    (the database may have restarted meanwhile) is pinged; a dead one is replaced before
    anyone uses it. One that breaks while in use fails its query: SQLAlchemy then
    replaces every pooled connection, the event is answered "busy" and the phone retries.
    """
    import time

    from sqlalchemy import event
    from sqlalchemy.exc import DisconnectionError

    @event.listens_for(engine, "checkin")
    def _idle_from(_dbapi_connection, record):
        record.info["idle_since"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _ping_if_idle(dbapi_connection, record, _proxy):
        since = record.info.get("idle_since")
        if since is None or time.monotonic() - since < idle_seconds:
            return  # new, or back in the pool moments ago
        try:
            engine.dialect.do_ping(dbapi_connection)
        except engine.dialect.loaded_dbapi.Error as error:
            if engine.dialect.is_disconnect(error, dbapi_connection, None):
                raise DisconnectionError("pooled connection gone while idle") from error
            raise


def register_extensions(app: Flask) -> None:
    from roundtable import models  # noqa: F401  (every model known to SQLAlchemy and Alembic)
    from roundtable.extensions import babel, csrf, db, limiter, login_manager, migrate, socketio
    from roundtable.i18n import install_safe_gettext, select_locale

    _size_the_pool(app)
    db.init_app(app)
    migrate.init_app(app, db, directory=str(PROJECT_ROOT / "migrations"), render_as_batch=True)
    csrf.init_app(app)
    from roundtable.live.queue import deployment_prefix

    app.config.setdefault("RATELIMIT_KEY_PREFIX", deployment_prefix(app))  # login counters apart per deployment
    limiter.init_app(app)
    babel.init_app(app, locale_selector=select_locale, timezone_selector=lambda: "Asia/Shanghai")
    install_safe_gettext(app)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = "请先登录。"
    from roundtable.live.packets import ENGINE_MAX_BYTES, LivePacket
    from roundtable.live.queue import manager_for

    queue = manager_for(app)  # Redis on a bounded pool (see live/queue.py), not python-socketio's default
    # Flask-SocketIO keeps options between init_app calls: an earlier app's queue must not
    # carry over to an app (a test, a CLI command) configured without one.
    socketio.server_options.pop("client_manager", None)
    socketio.server_options.pop("message_queue", None)
    socketio.init_app(
        app,
        **({"client_manager": queue} if queue else {"message_queue": app.config.get("SOCKETIO_MESSAGE_QUEUE")}),
        async_mode=app.config.get("SOCKETIO_ASYNC_MODE"),
        cors_allowed_origins=app.config.get("SOCKETIO_CORS_ORIGINS"),
        serializer=LivePacket,  # bounded JSON; refused events still answered (live/packets.py)
        max_http_buffer_size=ENGINE_MAX_BYTES,
    )

    from roundtable.auth.session import CookieSessions, load_user

    login_manager.user_loader(load_user)
    app.session_interface = CookieSessions()


def register_database_tuning(app: Flask) -> None:
    """SQLite: WAL so readers never wait for the writer, foreign keys on, and a busy timeout.
    Other databases: pooled connections tested after idling (``_ping_after_idle``)."""
    from sqlalchemy import event

    from roundtable.extensions import db

    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        if not app.config["SQLALCHEMY_ENGINE_OPTIONS"].get("pool_pre_ping"):
            with app.app_context():
                _ping_after_idle(db.engine, float(app.config.get("DB_PING_AFTER_IDLE", 2.0)))
        return
    with app.app_context():
        engine = db.engine
    _private_sqlite_file(engine.url.database)

    @event.listens_for(engine, "connect")
    def _sqlite_pragmas(dbapi_connection, _record):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=5000")
        if ":memory:" not in app.config["SQLALCHEMY_DATABASE_URI"] and app.config[
            "SQLALCHEMY_DATABASE_URI"
        ] != "sqlite://":
            cursor.execute("PRAGMA journal_mode=WAL")
        cursor.close()


def _private_sqlite_file(path: str | None) -> None:
    """The SQLite file created 0600 (its -wal and -shm files take the same mode) in a 0700 folder."""
    from pathlib import Path

    if not path or path == ":memory:" or path.startswith("file:"):
        return
    database = Path(path)
    database.parent.mkdir(parents=True, exist_ok=True)
    from roundtable.config import INSTANCE_DIR

    if database.parent.resolve() == INSTANCE_DIR.resolve():
        database.parent.chmod(0o700)
    if not database.exists():
        os.close(os.open(database, os.O_WRONLY | os.O_CREAT, 0o600))
    for suffix in ("", "-wal", "-shm"):
        sibling = Path(str(database) + suffix)
        if sibling.exists():
            sibling.chmod(0o600)


def register_blueprints(app: Flask) -> None:
    from roundtable.admin.routes import bp as admin_bp
    from roundtable.auth.routes import bp as auth_bp
    from roundtable.cases.routes import bp as cases_bp
    from roundtable.communities.routes import bp as community_bp
    from roundtable.imports.routes import bp as imports_bp
    from roundtable.live.routes import bp as live_pages_bp
    from roundtable.meetings.routes import bp as meetings_bp
    from roundtable.meetings.routes import invite_bp
    from roundtable.notifications.routes import admin_bp as outbox_admin_bp
    from roundtable.notifications.routes import bp as notifications_bp
    from roundtable.open311.routes import bp as open311_bp
    from roundtable.open311.routes import codes_bp as open311_codes_bp
    from roundtable.resolutions.routes import bp as resolutions_bp

    for blueprint in (auth_bp, admin_bp, community_bp, cases_bp, imports_bp, open311_bp, open311_codes_bp):
        app.register_blueprint(blueprint)
    app.register_blueprint(notifications_bp)
    app.register_blueprint(outbox_admin_bp)
    app.register_blueprint(meetings_bp)
    app.register_blueprint(invite_bp)
    app.register_blueprint(live_pages_bp)
    app.register_blueprint(resolutions_bp)
    from roundtable.certificates.routes import bp as certificates_bp
    from roundtable.funds.routes import bp as funds_bp

    app.register_blueprint(funds_bp)
    app.register_blueprint(certificates_bp)
    from roundtable.minutes.routes import bp as minutes_bp

    app.register_blueprint(minutes_bp)
    from roundtable.escalation.routes import bp as escalation_bp

    app.register_blueprint(escalation_bp)
    from roundtable.satisfaction.routes import bp as satisfaction_bp

    app.register_blueprint(satisfaction_bp)
    from roundtable.ballots.routes import bp as ballots_bp

    app.register_blueprint(ballots_bp)
    from roundtable.health.routes import bp as health_bp

    app.register_blueprint(health_bp)


def register_outbox_dispatcher(app: Flask) -> None:
    """Notifications are sent by a background dispatcher, started on a server's first request."""
    from roundtable.notifications.dispatcher import install_dispatcher

    install_dispatcher(app)


def register_live(app: Flask) -> None:
    """The ``/live`` Socket.IO namespace (docs/live-protocol.md) and its tally broadcaster."""
    from roundtable.live.events import register
    from roundtable.live.registry import install

    register(app)
    install()  # a logout or removal drops that user's live sockets, after the commit


def register_templates(app: Flask) -> None:
    from roundtable.templating import install_template_helpers

    install_template_helpers(app)


def register_error_handlers(app: Flask) -> None:
    from roundtable.core.http import install_error_handlers

    install_error_handlers(app)


def register_commands(app: Flask) -> None:
    from roundtable.cli import install_commands

    install_commands(app)


def register_audit(app: Flask) -> None:
    """The audit trail's flush listener, its page, the archive and the 三率 dashboard."""
    from roundtable.archive.routes import bp as archive_bp
    from roundtable.audit.listener import install_listener
    from roundtable.audit.routes import bp as audit_bp
    from roundtable.audit.routes import record_auditor_case_reads

    install_listener()
    app.register_blueprint(audit_bp)
    app.register_blueprint(archive_bp)
    app.after_request(record_auditor_case_reads)
