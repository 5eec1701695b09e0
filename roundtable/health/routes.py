"""``GET /healthz``: for the load balancer and the person on call.

503 when this process cannot serve a meeting (database or message queue
failing), so that a load balancer stops sending phones here; a missing job
worker is reported but does not fail the check (live meetings do not need it).
"""
from __future__ import annotations

from flask import Blueprint, jsonify
from flask.typing import ResponseReturnValue

from roundtable.core.app import app_object
from roundtable.extensions import csrf_exempt
from roundtable.health import checks

bp = Blueprint("health", __name__)
SERVING_CHECKS = ("database", "message_queue")


@bp.get("/healthz")
@csrf_exempt
def healthz() -> ResponseReturnValue:
    app = app_object()
    checked = {
        "database": checks.database(),
        "message_queue": checks.message_queue(app),
        "worker": checks.worker(app),
    }
    serving = all(checked[name]["status"] in ("ok", "not_configured") for name in SERVING_CHECKS)
    report = {**checked, "status": "ok" if serving else "failing"}
    response = jsonify(report)
    response.status_code = 200 if serving else 503
    response.headers["Cache-Control"] = "no-store"
    return response
