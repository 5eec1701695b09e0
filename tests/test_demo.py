"""`flask seed-demo` on an empty database: a newcomer and an auditor see the whole flow.

A roundtable scheduled for tomorrow, and an earlier one, concluded, whose
resolution is published (PDF, SHA-256, /verify) and has moved its case to
「已定方案」; the audit chain holds, and seeding again changes nothing.
"""
from __future__ import annotations

import hashlib

from sqlalchemy import func, select

from roundtable.cases.models import Case
from roundtable.core.time import utcnow
from roundtable.extensions import db
from roundtable.meetings.models import Meeting
from roundtable.resolutions.models import Resolution
from roundtable.resolutions.pdf import pdf_text


def _row_counts() -> dict[str, int]:
    return {
        table.name: db.session.scalar(select(func.count()).select_from(table))
        for table in db.metadata.sorted_tables
    }


def _meeting(title: str) -> Meeting:
    return db.session.scalar(select(Meeting).where(Meeting.title == title))


def test_seed_demo_shows_a_scheduled_roundtable_and_a_published_resolution(app, runner, client):
    result = runner.invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output + repr(result.exception)
    db.session.expire_all()

    scheduled = _meeting("西河沿街超时停车圆桌会议")
    assert scheduled.status == "scheduled"
    assert [c.external_number for c in scheduled.cases] == ["12345-2026110001"]
    assert {i.kind for i in scheduled.invitations} == {"resident", "guest", "department", "organization"}

    held = _meeting("接老人看病临时停车圆桌会议")
    assert held.status == "concluded" and held.kind_label == "圆桌会议" and held.host.username == "zhangcx"
    assert held.venue == "社区小广场石桌旁"
    assert held.ended_at < utcnow() and held.started_at <= held.ended_at
    assert [c.external_number for c in held.cases] == ["12345-2026110002"]

    resolution = db.session.scalar(select(Resolution).where(Resolution.meeting_id == held.id))
    assert resolution.status == "published" and resolution.pdf
    assert resolution.sha256 == hashlib.sha256(resolution.pdf).hexdigest()
    assert {(c.unit_name, c.state, c.answered_by.username) for c in resolution.commitments} == {
        ("区交通支队", "confirmed", "jiaotong"),
        ("西河沿物业服务中心", "confirmed", "wuye"),
        ("街道执法小分队", "confirmed", "zhifa"),
    }
    text = pdf_text(resolution.pdf)
    assert "免予处罚" in text
    poll = resolution.record["polls"][0]
    assert poll["result"] == "passed" and not poll["secret"]
    assert "赵淑芬" in resolution.record["attendance"]["resident"]["present_names"]

    case = db.session.scalar(select(Case).where(Case.external_number == "12345-2026110002"))
    assert case.status == "action_scheduled"
    assert any(e.kind == "resolution" and e.data.get("sha256") == resolution.sha256 for e in case.events)
    assert db.session.scalar(select(Case.status).where(Case.external_number == "12345-2026110001")) == "in_deliberation"

    page = client.get(f"/verify?sha256={resolution.sha256}")
    assert page.status_code == 200 and "接老人看病临时停车圆桌会议决议" in page.get_data(as_text=True)

    verified = runner.invoke(args=["audit", "verify"])
    assert verified.exit_code == 0, verified.output

    before = _row_counts()
    again = runner.invoke(args=["seed-demo", "--if-empty"])
    assert again.exit_code == 0 and "already has data" in again.output
    assert _row_counts() == before
