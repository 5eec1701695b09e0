"""The auditor's trail page lists the entries of its street only, and is closed to everyone else."""
from __future__ import annotations

from roundtable.extensions import db
from tests.factories import make_case


def test_the_auditor_sees_the_street_entries_and_none_of_another_street(client, auth, world):
    from roundtable.communities.operations import create_community, get_or_create_street

    other = create_community(get_or_create_street("前门街道", "东城区"), "草厂社区")
    hidden = make_case(other, None, external_number="OTHER-STREET-1")
    shown = make_case(world.b.community, None, external_number="SAME-STREET-1")
    db.session.commit()
    auth.login("a_auditor")
    page = client.get("/audit/?action=case.create").get_data(as_text=True)
    assert "SAME-STREET-1" in page
    assert "OTHER-STREET-1" not in page
    assert "完好" in page
    assert hidden.id and shown.id


def test_secretaries_and_residents_cannot_open_the_trail(client, auth, world):
    for username in ("a_secretary", "a_resident"):
        auth.login(username)
        assert client.get("/audit/").status_code == 403
        auth.logout()
