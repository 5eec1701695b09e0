"""Department and property-management staff take part from their own login, for their unit."""


def test_department_staff_join_for_their_summoned_department(app, room, world, phones, auth, client):
    auth.login("traffic_staff")
    phone = phones(flask_client=client)
    snapshot = phone.join(room.meeting.id)
    assert snapshot["me"]["participant"]["side"] == "department"
    assert snapshot["me"]["can_vote"] is False  # departments speak; residents vote


def test_property_staff_join_for_their_organization(app, room, world, phones, auth, client):
    auth.login("a_property_staff")
    phone = phones(flask_client=client)
    assert phone.join(room.meeting.id)["me"]["participant"]["side"] == "organization"


def test_staff_of_a_department_that_was_not_invited_are_refused(app, room, world, phones, auth, client):
    from roundtable.communities.operations import add_department_member, create_department
    from roundtable.extensions import db
    from tests.factories import make_user

    outsider = make_user("housing_staff")
    add_department_member(outsider, create_department("区房管局"))
    db.session.commit()
    auth.login("housing_staff")
    phone = phones(flask_client=client)
    ack = phone.call("join", {"meeting_id": room.meeting.id})
    assert ack["ok"] is False and ack["error"] in ("forbidden", "unauthorized")
