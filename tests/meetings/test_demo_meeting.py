"""`make run` shows a real meeting: the overtime-parking roundtable from the article."""
from roundtable.demo import run_demo_seeders, seed_demo
from roundtable.extensions import db
from roundtable.meetings.models import Meeting


def test_the_demo_has_a_scheduled_roundtable_with_one_department_reported_in(app):
    run_demo_seeders(seed_demo())
    db.session.commit()
    meeting = db.session.scalar(db.select(Meeting).where(Meeting.title == "西河沿街超时停车圆桌会议"))
    assert meeting.status == "scheduled" and meeting.host.username == "zhangcx"
    # 12345-2026110002 was settled at the earlier, published roundtable (roundtable/demo/resolution.py)
    assert {c.external_number for c in meeting.cases} == {"12345-2026110001"}
    states = {i.display_name: i.report_in_state() for i in meeting.invitations if i.department_id}
    assert states == {"区交通支队": "on_time", "街道执法小分队": "waiting"}
    assert {i.kind for i in meeting.invitations} == {"resident", "guest", "department", "organization"}
