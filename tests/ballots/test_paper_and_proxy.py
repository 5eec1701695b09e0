"""Paper and proxy ballots in the live tally: one ballot per voter and poll whatever the channel."""
from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from roundtable.ballots import operations
from roundtable.ballots.models import BallotChannel, Proxy
from roundtable.core.errors import OperationError
from roundtable.core.time import utcnow
from roundtable.extensions import db
from roundtable.live.models import Ballot, Motion, Poll, SealedBallot, SecretVote, SecretVoter
from roundtable.live.operations import cast_votes, open_budget_poll, open_poll
from roundtable.live.queries import channel_counts
from tests.live.conftest import joined


def open_yes_no(room, secret=False) -> Poll:
    motion = Motion(meeting_id=room.meeting.id, community_id=room.meeting.community_id, text="错时停车",
                    proposer_id=room.guests[0].id, seconder_id=room.resident.id, state="seconded")
    db.session.add(motion)
    db.session.flush()
    poll = open_poll(room.meeting, None, motion.id, "yes_no", secret=secret)
    db.session.commit()
    return poll


def codes(poll):
    return {o.code: o.id for o in poll.options}


def check_in(*invitations):
    for invitation in invitations:
        invitation.checked_in_at = utcnow()
    db.session.commit()


def ballots_of(poll, invitation_id):
    table = SecretVoter if poll.secret else Ballot
    return db.session.scalar(select(func.count()).select_from(table).where(
        table.poll_id == poll.id, table.invitation_id == invitation_id))


@pytest.mark.parametrize("secret", [False, True])
def test_paper_ballots_never_twice_never_beside_a_phone_ballot(host, phones, room, secret):
    poll = open_yes_no(room, secret)
    yes = codes(poll)["yes"]
    paper_voter, phone_voter = room.guests[0], room.guests[1]
    check_in(paper_voter)
    phone = joined(phones, phone_voter, checked_in=True)
    assert phone.call("vote_cast", {"poll_id": poll.id, "choices": [yes], "key": "k1"})["ok"]

    ack = host.call("vote_paper", {"poll_id": poll.id, "participant_id": paper_voter.id, "choices": [yes], "key": "p1"})
    assert ack["ok"] and ack["receipt"]
    again = host.call("vote_paper", {"poll_id": poll.id, "participant_id": paper_voter.id, "choices": [yes], "key": "p2"})
    assert again == {"ok": False, "error": "already_voted", "message": again["message"]}
    beside = host.call("vote_paper", {"poll_id": poll.id, "participant_id": phone_voter.id, "choices": [yes], "key": "p3"})
    assert beside["error"] == "already_voted"
    absent = host.call("vote_paper", {"poll_id": poll.id, "participant_id": room.guests[2].id, "choices": [yes], "key": "p4"})
    assert absent["error"] == "not_checked_in"
    db.session.expire_all()
    assert ballots_of(poll, paper_voter.id) == 1 and ballots_of(poll, phone_voter.id) == 1
    assert channel_counts(poll) == {"phone": 1, "paper": 1, "assisted": 0, "proxy": 0}
    tally = host.wait_for("tally", lambda t: t["poll_id"] == poll.id and t["total"] == 2)
    assert tally["channels"]["paper"] == 1
    # a participant cannot record paper ballots
    assert phone.call("vote_paper", {"poll_id": poll.id, "participant_id": paper_voter.id, "choices": [yes], "key": "x"})["error"] == "forbidden"
    if secret:  # the channel sits beside who voted; what was voted has no link to it
        assert not hasattr(SecretVote, "invitation_id")
        assert db.session.scalar(select(func.count()).select_from(BallotChannel)) == 1


def test_proxies_record_consent_and_respect_the_cap(host, room, app):
    secretary = room.meeting.host
    grantors = room.guests
    holder = room.resident
    proxy = operations.grant_proxy(room.meeting, grantors[0].id, holder.id, "signed_form", utcnow() - timedelta(hours=1), secretary)
    assert proxy.consent_label == "签字委托书" and proxy.recorded_by_id == secretary.id
    operations.grant_proxy(room.meeting, grantors[1].id, holder.id, "phone_call", None, secretary)
    db.session.commit()
    with pytest.raises(OperationError) as cap:
        operations.grant_proxy(room.meeting, grantors[2].id, holder.id, "in_person", None, secretary)
    assert cap.value.code == "proxy_cap"
    for grantor_id, holder_id, means in ((grantors[0].id, grantors[2].id, "in_person"),  # twice
                                         (grantors[2].id, grantors[2].id, "in_person"),  # self
                                         (holder.id, grantors[2].id, "in_person"),  # holder passing it on
                                         (grantors[2].id, room.department.id, "in_person"),  # not a voter
                                         (grantors[2].id, grantors[0].id, "by_magic")):
        with pytest.raises(OperationError):
            operations.grant_proxy(room.meeting, grantor_id, holder_id, means, None, secretary)
        db.session.rollback()


def test_the_holders_phone_votes_once_per_person_represented(host, phones, room):
    secretary = room.meeting.host
    holder, grantor = room.resident, room.guests[0]
    operations.grant_proxy(room.meeting, grantor.id, holder.id, "in_person", None, secretary)
    db.session.commit()
    poll = open_yes_no(room)
    no = codes(poll)["no"]
    phone = phones(holder.token)
    snapshot = phone.join(room.meeting.id)
    assert [p["grantor"]["id"] for p in snapshot["me"]["proxies"]] == [grantor.id]
    payload = {"poll_id": poll.id, "grantor_id": grantor.id, "choices": [no], "key": "px1"}
    assert phone.call("vote_proxy", payload)["error"] == "not_checked_in"
    assert phone.call("check_in")["ok"]
    assert phone.call("vote_proxy", payload)["ok"]
    assert phone.call("vote_proxy", {**payload, "key": "px2"})["error"] == "already_voted"
    assert phone.call("vote_proxy", {**payload, "grantor_id": room.guests[1].id})["error"] == "no_proxy"
    # the holder's own ballot is separate
    assert phone.call("vote_cast", {"poll_id": poll.id, "choices": [codes(poll)["yes"]], "key": "own"})["ok"]
    # the grantor, arriving later with a phone, finds their ballot already in
    grantor_phone = joined(phones, grantor, checked_in=True)
    repeat = grantor_phone.call("vote_cast", {"poll_id": poll.id, "choices": [codes(poll)["yes"]], "key": "g"})
    assert repeat["ok"] and repeat["repeated"]
    db.session.expire_all()
    assert channel_counts(poll) == {"phone": 1, "paper": 0, "assisted": 0, "proxy": 1}
    ballot = db.session.scalar(select(Ballot).where(Ballot.poll_id == poll.id, Ballot.invitation_id == grantor.id))
    assert ballot.choices == [no]
    snapshot = phone.join(room.meeting.id)
    assert snapshot["me"]["proxies"][0]["voted_polls"] == [poll.id]


def open_kind(room, kind: str, secret: bool) -> tuple[Poll, list[int], list[int]]:
    """A poll of the given kind, and two different valid ballots for it (the voter's, the holder's)."""
    if kind == "yes_no":
        poll = open_yes_no(room, secret)
        return poll, [codes(poll)["yes"]], [codes(poll)["no"]]
    if kind == "budget":
        poll = open_budget_poll(room.meeting, None, "社区经费怎么花", [("座椅", 2000_00), ("花草", 1500_00), ("路灯", 3000_00)],
                                5000_00, secret)
        db.session.commit()
        chair, flowers, lights = (o.id for o in poll.options)
        return poll, [chair, lights], [chair, flowers]
    motion = Motion(meeting_id=room.meeting.id, community_id=room.meeting.community_id, text="活动室开放时段",
                    proposer_id=room.guests[0].id, seconder_id=room.resident.id, state="seconded")
    db.session.add(motion)
    db.session.flush()
    poll = open_poll(room.meeting, None, motion.id, "multiple", ["上午", "下午", "晚上"], secret=secret,
                     min_choices=1, max_choices=2)
    db.session.commit()
    morning, afternoon, evening = (o.id for o in poll.options)
    return poll, [morning, evening], [afternoon]


def chosen_by(poll, invitation_id) -> list[int] | None:
    """What a named ballot holds (a secret poll's choices are sealed apart from the voter: None)."""
    if poll.secret:
        return None
    return db.session.scalar(select(Ballot.choices).where(Ballot.poll_id == poll.id, Ballot.invitation_id == invitation_id))


@pytest.mark.parametrize("kind", ["yes_no", "multiple", "budget"])
@pytest.mark.parametrize("secret", [False, True])
def test_proxy_holder_and_voter_at_once_leave_one_ballot(app, room, secret, kind):
    """Two server sessions race for the same voter: the UNIQUE rule keeps one ballot, one channel row at most."""
    from roundtable.live.operations import BallotRequest

    holder, grantor = room.resident, room.guests[0]
    proxy = operations.grant_proxy(room.meeting, grantor.id, holder.id, "in_person", None, room.meeting.host)
    check_in(holder, grantor)
    poll, own_choices, proxy_choices = open_kind(room, kind, secret)
    meeting_id, poll_id = room.meeting.id, poll.id
    requests = [
        BallotRequest(meeting_id, grantor.id, poll_id, own_choices, "own-phone"),
        BallotRequest(meeting_id, grantor.id, poll_id, proxy_choices, "by-proxy", channel="proxy", proxy_id=proxy.id),
    ]
    barrier = threading.Barrier(2)
    outcomes: list = [None, None]

    def vote(index):
        with app.app_context():
            barrier.wait()
            try:
                [outcomes[index]] = cast_votes([requests[index]])
                db.session.commit()
            except Exception as exc:  # noqa: BLE001 - recorded for the assertion below
                db.session.rollback()
                outcomes[index] = exc
            finally:
                db.session.remove()

    threads = [threading.Thread(target=vote, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    db.session.expire_all()
    assert all(not isinstance(o, Exception) for o in outcomes), outcomes
    assert sorted(o.repeated for o in outcomes) == [False, True]
    assert ballots_of(poll, grantor.id) == 1
    channels = db.session.scalar(select(func.count()).select_from(BallotChannel).where(BallotChannel.poll_id == poll_id))
    proxy_won = [o.repeated for o in outcomes][1] is False
    assert channels == (1 if proxy_won else 0)
    assert sum(channel_counts(poll).values()) == 1
    if not secret:
        assert chosen_by(poll, grantor.id) == sorted(proxy_choices if proxy_won else own_choices)
    else:
        assert db.session.scalar(select(func.count()).select_from(SealedBallot).where(SealedBallot.poll_id == poll_id)) == 1


@pytest.mark.parametrize("secret", [False, True])
@pytest.mark.parametrize("kind", ["multiple", "budget"])
def test_the_holders_phone_votes_multiple_choice_and_budget_polls(host, phones, room, kind, secret):
    """Every kind of poll takes a proxy ballot, under the same checks as the voter's own (choices, budget)."""
    holder, first, second = room.resident, room.guests[0], room.guests[1]
    for grantor in (first, second):
        operations.grant_proxy(room.meeting, grantor.id, holder.id, "signed_form", None, room.meeting.host)
    db.session.commit()
    poll, first_choices, second_choices = open_kind(room, kind, secret)
    phone = joined(phones, holder, checked_in=True)
    every = [o.id for o in poll.options]
    too_many = phone.call("vote_proxy", {"poll_id": poll.id, "grantor_id": first.id, "choices": every, "key": "a0"})
    assert too_many["ok"] is False and too_many["error"] == ("over_budget" if kind == "budget" else "bad_choices")
    assert phone.call("vote_proxy", {"poll_id": poll.id, "grantor_id": first.id, "choices": [], "key": "a0"})["error"] == "bad_choices"
    assert phone.call("vote_proxy", {"poll_id": poll.id, "grantor_id": first.id, "choices": first_choices, "key": "a1"})["ok"]
    assert phone.call("vote_proxy", {"poll_id": poll.id, "grantor_id": second.id, "choices": second_choices, "key": "b1"})["ok"]
    again = phone.call("vote_proxy", {"poll_id": poll.id, "grantor_id": second.id, "choices": first_choices, "key": "b2"})
    assert again["error"] == "already_voted"
    db.session.expire_all()
    assert channel_counts(poll) == {"phone": 0, "paper": 0, "assisted": 0, "proxy": 2}
    if secret:  # sealed: nothing ties what was voted to either person represented
        assert db.session.scalar(select(func.count()).select_from(SealedBallot).where(SealedBallot.poll_id == poll.id)) == 2
        assert not hasattr(SealedBallot, "invitation_id") and not hasattr(SealedBallot, "proxy_id")
    else:
        assert chosen_by(poll, first.id) == sorted(first_choices) and chosen_by(poll, second.id) == sorted(second_choices)
    snapshot = phone.join(room.meeting.id)
    assert [p["voted_polls"] for p in snapshot["me"]["proxies"]] == [[poll.id], [poll.id]]


def test_the_secretary_records_a_proxy_on_the_meeting_page(room, client, auth):
    auth.login("a_secretary")
    page = client.get(f"/meetings/{room.meeting.id}").get_data(as_text=True)
    assert 'class="proxy-form"' in page
    form = {"grantor_id": str(room.guests[0].id), "holder_id": str(room.resident.id), "consent_means": "signed_form"}
    client.post(f"/meetings/{room.meeting.id}/proxies", data=form)
    again = client.post(f"/meetings/{room.meeting.id}/proxies", data=form, follow_redirects=True).get_data(as_text=True)
    assert "已登记过委托" in again
    assert client.post(f"/meetings/{room.meeting.id}/proxies", data={**form, "consent_at": "bogus"}).status_code == 302
    proxies = db.session.scalars(select(Proxy)).all()
    assert [(p.grantor_id, p.holder_id, p.consent_means) for p in proxies] == [(room.guests[0].id, room.resident.id, "signed_form")]
    assert "签字委托书" in client.get(f"/meetings/{room.meeting.id}").get_data(as_text=True)


def test_a_secret_polls_channel_rows_are_rewritten_at_the_close(host, room):
    """Like the voter rows beside them: after the close their keys and order are new, their counts the same."""
    from roundtable.live.operations import close_poll

    check_in(*room.guests)
    poll = open_yes_no(room, secret=True)
    yes = codes(poll)["yes"]
    for n, voter in enumerate(room.guests):
        assert host.call("vote_paper", {"poll_id": poll.id, "participant_id": voter.id, "choices": [yes], "key": f"p{n}"})["ok"]
    db.session.expire_all()
    before = set(db.session.scalars(select(BallotChannel.id).where(BallotChannel.poll_id == poll.id)))
    assert len(before) == len(room.guests)
    close_poll(room.meeting, None, poll.id)
    db.session.commit()
    after = set(db.session.scalars(select(BallotChannel.id).where(BallotChannel.poll_id == poll.id)))
    assert len(after) == len(before) and not after & before
    assert channel_counts(db.session.get(Poll, poll.id))["paper"] == len(room.guests)
