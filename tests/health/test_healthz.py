"""``/healthz``: what the load balancer and the person on call read about one server process."""
from __future__ import annotations

from bench.processes import free_port
from roundtable import create_app
from roundtable.config import TestConfig
from roundtable.health.heartbeat import beat


def test_a_single_process_is_healthy_without_redis_and_says_the_worker_is_missing(app, client, tmp_path):
    app.instance_path = str(tmp_path)

    report = client.get("/healthz")

    assert report.status_code == 200
    assert report.json["status"] == "ok"
    assert report.json["database"] == {"status": "ok"}
    assert report.json["message_queue"] == {"status": "not_configured"}
    assert report.json["worker"] == {"status": "missing", "last_seen": None}
    assert report.headers["Cache-Control"] == "no-store"


def test_the_job_workers_heartbeat_shows_when_it_was_last_seen(app, client, tmp_path):
    app.instance_path = str(tmp_path)
    beat(app, "worker", every=0)

    worker = client.get("/healthz").json["worker"]

    assert worker["status"] == "ok"
    assert worker["last_seen"] and worker["age_seconds"] < 60


def test_an_unreachable_message_queue_fails_the_check_with_the_error_and_since_when(_schema):
    nobody_listens = f"redis://127.0.0.1:{free_port()}/0"
    app = create_app(TestConfig, SQLALCHEMY_DATABASE_URI=_schema, SOCKETIO_MESSAGE_QUEUE=nobody_listens)

    report = app.test_client().get("/healthz")

    assert report.status_code == 503
    assert report.json["status"] == "failing"
    queue = report.json["message_queue"]
    assert queue["status"] == "failing" and "Connection" in queue["error"] and queue["since"]
