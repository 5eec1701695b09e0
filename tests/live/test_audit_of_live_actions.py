"""The audit trail names who acted in the live meeting: the phone's invitation or the person."""
from sqlalchemy import select

from roundtable.audit.models import AuditEntry
from roundtable.extensions import db


def test_a_position_posted_from_an_invitation_link_names_that_invitation(app, room, phones):
    phone = phones(room.guests[0].token)
    phone.join()
    ack = phone.call("position_post", {"stance": "support", "text": "支持加强巡查"})
    assert ack["ok"], ack
    entries = db.session.scalars(select(AuditEntry).where(AuditEntry.action.like("position%"))).all()
    assert entries, "posting a position left no audit entry"
    assert entries[-1].actor == f"invitation:{room.guests[0].id}"


def test_the_host_acting_from_the_console_is_named_by_account(app, room, phones, auth, client, world):
    auth.login("a_secretary")
    host = phones(flask_client=client)
    host.join(room.meeting.id)
    ack = host.call("agenda_advance", {})
    assert ack["ok"], ack
    entries = db.session.scalars(select(AuditEntry).where(AuditEntry.actor_id == world.a.secretary.id)).all()
    assert any(entry.action.startswith("agenda") for entry in entries), [e.action for e in entries]
