"""After the meeting: every link leads to what was decided, in words, with the person's own receipts."""
from __future__ import annotations

import pytest

from roundtable.extensions import db
from roundtable.live import operations
from roundtable.live.outcome import normalise_code, short_code


@pytest.fixture
def decided(room, world):
    """The room's first motion put to a named vote (2 for, 1 against) and the second to a secret one; then concluded."""
    meeting = room.meeting
    voters = room.voters
    for voter in voters:
        operations.check_in(voter)
    named_motion = operations.propose_motion(meeting, voters[0], "夜间错时停车")
    operations.second_motion(meeting, voters[1], named_motion.id)
    named = operations.open_poll(meeting, world.a.secretary, named_motion.id, "yes_no")
    yes, no = named.options[0].id, named.options[1].id
    receipts = {}
    for voter, choice in zip(voters[:3], (yes, yes, no)):
        receipts[voter.id] = operations.cast_vote(meeting, voter, named.id, [choice], f"k{voter.id}").receipt
    secret_motion = operations.propose_motion(meeting, voters[0], "增设充电桩")
    operations.second_motion(meeting, voters[1], secret_motion.id)
    secret = operations.open_poll(meeting, world.a.secretary, secret_motion.id, "yes_no", secret=True)
    secret_receipt = operations.cast_vote(meeting, voters[1], secret.id, [secret.options[0].id], "s1").receipt
    operations.close_poll(meeting, world.a.secretary, named.id)
    operations.close_poll(meeting, world.a.secretary, secret.id)
    meeting.status = "concluded"
    db.session.commit()
    return {"receipts": receipts, "secret_receipt": secret_receipt, "named": named}


def test_short_codes_are_eight_characters_in_two_groups():
    assert short_code("3fa209c1" + "0" * 56) == "3FA2 09C1"
    assert normalise_code(" 3fa2-09c1 ") == "3FA209C1"
    assert normalise_code("3FA2 09C") is None and normalise_code("GGGG 0000") is None


def test_the_invitation_page_shows_the_outcome_in_words_and_my_receipt(client, room, decided):
    voter = room.voters[0]
    html = client.get(f"/j/{voter.token}").get_data(as_text=True)
    assert "赞成 2 &gt; 反对 1,通过(赞成多于反对,到场 4 人,法定 0 人)" in html
    assert short_code(decided["receipts"][voter.id]) in html
    assert "您投了:赞成" in html


def test_the_watch_link_after_the_meeting_is_a_public_summary_without_receipts(client, room, decided):
    response = client.get(f"/watch/{room.meeting.watch_token}")
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "通过" in html and "会议已经结束" in html
    assert not any(short_code(r) in html for r in decided["receipts"].values())


def test_a_logged_in_participant_is_sent_to_the_summary(client, auth, room, decided):
    auth.login("a_resident")
    response = client.get(f"/meetings/{room.meeting.id}/live")
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/meetings/{room.meeting.id}/summary")
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert short_code(decided["receipts"][room.resident.id]) in html


def test_the_summary_links_the_published_resolution(client, room, decided, world):
    from roundtable.resolutions.models import Resolution

    resolution = Resolution(meeting_id=room.meeting.id, community_id=room.meeting.community_id, version=1,
                            title="西河沿错时停车决议", status="published")
    db.session.add(resolution)
    db.session.commit()
    html = client.get(f"/j/{room.voters[0].token}").get_data(as_text=True)
    assert "会议决议已发布" in html and f"/r/{resolution.id}.pdf" in html and f"/verify?id={resolution.id}" in html


def test_a_named_receipt_checks_with_its_choice_and_a_secret_one_only_as_counted(client, room, decided):
    code = short_code(decided["receipts"][room.voters[2].id])
    html = client.get("/receipt", query_string={"code": code.lower().replace(" ", "-")}).get_data(as_text=True)
    assert "这张选票已经计入" in html and "所选:反对" in html and "夜间错时停车" in html

    html = client.get("/receipt", query_string={"code": short_code(decided["secret_receipt"])}).get_data(as_text=True)
    assert "这张选票已经计入" in html and "无记名表决:选票已计入" in html and "所选:" not in html


def test_a_wrong_or_unknown_code_is_said_plainly(client, decided):
    bad = client.get("/receipt", query_string={"code": "hello"})
    assert bad.status_code == 200 and "回执码是8位" in bad.get_data(as_text=True)
    unknown = client.get("/receipt", query_string={"code": "0000 0000"}).get_data(as_text=True)
    assert "没有找到这个回执码" in unknown or "这张选票已经计入" in unknown
