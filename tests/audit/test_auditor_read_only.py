"""An auditor can change nothing: every route that accepts a change answers 403, 404 or 405 to them.

The walk covers every rule the app registers, so a route added tomorrow is
walked too. Ids in URLs are filled with real ids of the auditor's own
community (the most an auditor could hope to change) and with dummies.
Routes that only touch the auditor's own session are listed with a reason.
"""
from __future__ import annotations

from sqlalchemy import func, select
from werkzeug.routing import IntegerConverter

from roundtable.audit.models import AuditEntry
from roundtable.extensions import db

# Endpoints that change only the caller's own session or account, not community data.
OWN_SESSION = {
    "auth.login": "logging in is how the auditor arrives",
    "auth.logout": "ends the auditor's own session",
    "auth.language": "the auditor's own language choice",
    "auth.switch": "chooses which of the auditor's own communities is current",
    "auth.password": "the auditor's own password",
    "notifications.mark_read": "the auditor's own inbox",
    "notifications.mark_all_read": "the auditor's own inbox",
    "resolutions.verify": "a public check of a PDF's hash: the POST carries the upload, nothing is stored",
}
CHANGING = {"POST", "PUT", "PATCH", "DELETE"}


def _url(app, rule, ids: dict) -> str:
    """The rule's URL with our ids where the argument names match, and dummies elsewhere."""
    values = {}
    for argument in rule.arguments:
        converter = rule._converters[argument]
        if argument in ids:
            values[argument] = ids[argument]
        elif hasattr(converter, "items"):  # any(json, xml): the first choice
            values[argument] = sorted(converter.items)[0]
        elif isinstance(converter, IntegerConverter):
            values[argument] = 1
        else:
            values[argument] = "x" * 32
    adapter = app.url_map.bind("localhost")
    return adapter.build(rule.endpoint, values, method=next(iter(rule.methods & CHANGING)))


def test_an_auditor_is_refused_by_every_route_that_changes_data(app, client, auth, world):
    ids = {"case_id": world.a.case.id, "topic_id": world.a.topic.id, "community_id": world.a.community.id,
           "organization_id": world.a.organization.id, "user_id": world.a.resident.id}
    auth.login("a_auditor")
    audited_before = db.session.scalar(select(func.count()).select_from(AuditEntry))
    walked = []
    for rule in app.url_map.iter_rules():
        methods = rule.methods & CHANGING
        if not methods or rule.endpoint in OWN_SESSION or rule.endpoint == "static":
            continue
        url = _url(app, rule, ids)
        for method in sorted(methods):
            response = client.open(url, method=method, data={"status": "closed_resolved", "title": "审计员改的"})
            walked.append(rule.endpoint)
            assert response.status_code in (403, 404, 405), f"auditor {method} {url} → {response.status_code}"
    assert len(set(walked)) > 20  # the walk really covered the app
    db.session.expire_all()
    entries = db.session.scalars(select(AuditEntry).where(AuditEntry.seq > audited_before)).all()
    assert {entry.action for entry in entries} <= {"login.login", "login.login_failed"}, (
        "an auditor's requests changed data: " + ", ".join(entry.action for entry in entries)
    )
