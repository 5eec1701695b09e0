"""A secretary cannot use her people page against other communities: probing usernames, pulling in
strangers, or logging someone out of their other roles by adding and removing them."""
from __future__ import annotations

import time

from sqlalchemy import select

from roundtable.auth.models import User
from roundtable.communities.models import Membership
from roundtable.communities.operations import set_membership
from roundtable.extensions import db
from tests.live.conftest import build_room


def _invite(client, username, phone):
    return client.post("/community/people/invite", data={"username": username, "phone": phone})


def test_adding_does_not_tell_whether_a_username_exists(client, auth, world):
    world.b.secretary.phone = "13955556666"
    db.session.commit()
    auth.login("a_secretary")
    answers = {
        name: _invite(client, name, "13900000000")
        for name in ("b_secretary", "no_such_person_anywhere", "b_resident")
    }
    bodies = {name: response.get_data(as_text=True) for name, response in answers.items()}
    assert {response.status_code for response in answers.values()} == {400}
    messages = {name: body.split("没有与这个用户名", 1)[1][:40] for name, body in bodies.items()}
    assert len(set(messages.values())) == 1, "the same refusal for an existing and a missing username"
    # nothing about the other community's people shows up on the page
    for body in bodies.values():
        assert "b_secretary" not in body.replace('value="b_secretary"', "")
        assert "139****6666" not in body
    assert world.b.secretary.role_in(world.a.community.id) is None


def test_removing_a_membership_ends_only_that_membership(app, client, auth, world, phones):
    """a_resident is also the secretary of B: A's secretary removes her from A; she stays logged in,
    her B console stays connected, and only her socket in A's meeting is dropped."""
    room = build_room(world)
    resident = db.session.scalar(select(User).where(User.username == "a_resident"))
    set_membership(resident, world.b.community, "secretary")
    db.session.commit()

    her = app.test_client()
    assert her.post("/login", data={"username": "a_resident", "password": "secret-pass-1"}).status_code == 302
    in_a = phones(flask_client=her)
    in_a.join(room.meeting.id)
    in_b = phones(flask_client=her)
    in_b.join(room.other_meeting.id)

    auth.login("a_secretary")
    membership = db.session.scalar(select(Membership).where(
        Membership.user_id == resident.id, Membership.community_id == world.a.community.id))
    assert client.post(f"/community/people/{membership.id}/remove").status_code == 302

    deadline = time.monotonic() + 3
    while in_a.connected and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not in_a.connected, "her socket in A's meeting is dropped"
    assert in_b.connected and in_b.call("snapshot")["ok"], "her B console lives on"
    home = her.get("/home")
    assert home.status_code == 302 and "/login" not in home.headers["Location"], "still logged in"
    assert her.get("/meetings/").status_code == 200  # B's secretary at work
    db.session.expire_all()
    assert resident.role_in(world.b.community.id) == "secretary"
