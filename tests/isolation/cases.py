"""Isolation specs of the case desk: community B's cases and topics answer 404 to community A."""
from tests.isolation import foreign, own


def _case(path: str, method: str = "POST", data: dict | None = None):
    return lambda w: [(method, f"/cases/{w.b.case.id}{path}", data or {})]


def _topic(path: str, method: str = "POST", data: dict | None = None):
    return lambda w: [(method, f"/cases/topics/{w.b.topic.id}{path}", data or {})]


SPECS = {
    "cases.list_cases": foreign(lambda w: [("GET", f"/cases/?topic={w.b.topic.id}")]),
    "cases.new_case": own("files a case in the caller's current community only"),
    "cases.case_detail": foreign(_case("", "GET")),
    "cases.edit_case": foreign(
        lambda w: [
            ("GET", f"/cases/{w.b.case.id}/edit"),
            ("POST", f"/cases/{w.b.case.id}/edit", {"external_number": "X-1", "description": "改", "address": "某地"}),
        ]
    ),
    "cases.change_case_status": foreign(_case("/status", data={"status": "dispatched"})),
    "cases.add_case_note": foreign(_case("/notes", data={"note": "备注"})),
    "cases.follow_up": foreign(_case("/follow-up", data={"resolved": "yes", "satisfied": "yes"})),
    "cases.assign_case_department": foreign(_case("/department", data={"department_id": ""})),
    "cases.assign_case_topic": foreign(
        lambda w: [
            ("POST", f"/cases/{w.b.case.id}/topic", {"topic_id": ""}),
            # A's own case cannot be put under B's topic either.
            ("POST", f"/cases/{w.a.case.id}/topic", {"topic_id": str(w.b.topic.id)}),
        ]
    ),
    "cases.reveal_case_phone": foreign(_case("/reveal")),
    "cases.list_topics": own("lists the topics of the caller's current community only"),
    "cases.new_topic": own("creates a topic in the caller's current community only"),
    "cases.topic_detail": foreign(_topic("", "GET")),
    "cases.edit_topic": foreign(
        lambda w: [("GET", f"/cases/topics/{w.b.topic.id}/edit"), ("POST", f"/cases/topics/{w.b.topic.id}/edit", {"title": "改"})]
    ),
    "cases.set_topic_theme": foreign(_topic("/theme", data={"theme_month": "2026-01"})),
}
