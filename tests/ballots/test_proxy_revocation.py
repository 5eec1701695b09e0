"""Withdrawing a proxy (撤销委托): by the resident on their phone or by the secretary, with its trail.

A withdrawn proxy casts nothing more, also when the withdrawal and a proxy ballot
arrive at the same moment; ballots cast under it before stay counted.
"""
from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select

from roundtable.audit.models import AuditEntry
from roundtable.ballots import operations
from roundtable.ballots.models import BallotChannel, Proxy
from roundtable.core.errors import OperationError
from roundtable.extensions import db
from roundtable.live.models import Ballot, Poll
from roundtable.live.operations import BallotRequest, cast_votes
from roundtable.live.queries import channel_counts
from tests.ballots.test_paper_and_proxy import check_in, codes, open_kind, open_yes_no
from tests.live.conftest import joined


def grant(room, grantor, holder, means="signed_form") -> Proxy:
    proxy = operations.grant_proxy(room.meeting, grantor.id, holder.id, means, None, room.meeting.host)
    db.session.commit()
    return proxy


def test_the_resident_withdraws_on_their_phone_and_the_holder_can_no_longer_vote(host, phones, room):
    holder, grantor = room.resident, room.guests[0]
    grant(room, grantor, holder)
    first = open_yes_no(room)
    holder_phone = joined(phones, holder, checked_in=True)
    assert holder_phone.call("vote_proxy", {"poll_id": first.id, "grantor_id": grantor.id,
                                            "choices": [codes(first)["no"]], "key": "before"})["ok"]
    grantor_phone = phones(grantor.token)
    snapshot = grantor_phone.join(room.meeting.id)
    assert snapshot["me"]["granted"]["holder"] == {"id": holder.id, "name": holder.display_name}
    assert grantor_phone.call("proxy_revoke")["ok"]
    assert grantor_phone.call("proxy_revoke")["error"] == "no_proxy"  # nothing in force any more
    assert grantor_phone.join(room.meeting.id)["me"]["granted"] is None

    second, own, by_proxy = open_kind(room, "multiple", False)
    refused = holder_phone.call("vote_proxy", {"poll_id": second.id, "grantor_id": grantor.id, "choices": by_proxy, "key": "after"})
    assert refused["ok"] is False and refused["error"] == "no_proxy" and refused["message"]
    assert holder_phone.join(room.meeting.id)["me"]["proxies"] == []
    # the resident votes for themself now; the ballot cast under the proxy before stays
    assert grantor_phone.call("check_in")["ok"]
    assert grantor_phone.call("vote_cast", {"poll_id": second.id, "choices": own, "key": "own"})["ok"]
    db.session.expire_all()
    assert channel_counts(db.session.get(Poll, first.id))["proxy"] == 1
    assert channel_counts(db.session.get(Poll, second.id)) == {"phone": 1, "paper": 0, "assisted": 0, "proxy": 0}
    proxy = db.session.scalar(select(Proxy))
    assert proxy.revoked_at is not None and proxy.revoke_means == "own_phone" and proxy.revoked_by_grantor
    assert proxy.revoked_by_id is None
    entries = db.session.scalars(select(AuditEntry).where(
        AuditEntry.subject_type == "ballot_proxy", AuditEntry.subject_id == proxy.id).order_by(AuditEntry.seq)).all()
    assert [e.action for e in entries] == ["ballot_proxy.grant", "ballot_proxy.revoke"]
    assert entries[1].actor == f"invitation:{grantor.id}" and "own_phone" in str(entries[1].data)


def test_a_participant_cannot_withdraw_someone_elses_proxy(host, phones, room):
    holder, grantor = room.resident, room.guests[0]
    grant(room, grantor, holder)
    # the holder, another resident and the department have nothing of their own to withdraw
    for invitation in (holder, room.guests[1], room.department):
        phone = joined(phones, invitation)
        assert phone.call("proxy_revoke")["error"] == "no_proxy"
    assert host.call("proxy_revoke")["error"] in ("not_participant", "forbidden")
    db.session.expire_all()
    assert db.session.scalar(select(Proxy)).revoked_at is None


def test_the_secretary_withdraws_with_a_trail_and_a_new_proxy_can_follow(room, client, auth):
    holder, grantor, other = room.resident, room.guests[0], room.guests[1]
    proxy = grant(room, grantor, holder)
    auth.login("a_secretary")
    url = f"/meetings/{room.meeting.id}/proxies/{proxy.id}/revoke"
    page = client.get(f"/meetings/{room.meeting.id}").get_data(as_text=True)
    assert 'class="proxy-revoke-form"' in page
    # bad input: unknown means, a correction without its reason, a note too long — nothing changes
    for form, message in (({"revoke_means": "by_magic"}, "撤销方式"),
                          ({"revoke_means": "recorded_in_error"}, "请写明原因"),
                          ({"revoke_means": "phone_call", "revoke_note": "长" * 201}, "200")):
        shown = client.post(url, data=form, follow_redirects=True).get_data(as_text=True)
        assert message in shown, message
    db.session.expire_all()
    assert db.session.get(Proxy, proxy.id).revoked_at is None
    assert client.post(url, data={"revoke_means": "phone_call", "revoke_note": "电话里说自己能到场"}).status_code == 302
    again = client.post(url, data={"revoke_means": "phone_call"}, follow_redirects=True).get_data(as_text=True)
    assert "已经撤销" in again
    db.session.expire_all()
    revoked = db.session.get(Proxy, proxy.id)
    assert (revoked.revoke_means, revoked.revoked_by.username, revoked.revoked_by_grantor, revoked.revoke_note) == (
        "phone_call", "a_secretary", False, "电话里说自己能到场")
    page = client.get(f"/meetings/{room.meeting.id}").get_data(as_text=True)
    assert "已撤销" in page and "电话确认" in page and "电话里说自己能到场" in page
    # the resident may give a new proxy; the withdrawn one stays on record and no longer counts towards the cap
    assert client.post(f"/meetings/{room.meeting.id}/proxies", data={
        "grantor_id": str(grantor.id), "holder_id": str(other.id), "consent_means": "in_person"}).status_code == 302
    db.session.commit()
    rows = db.session.scalars(select(Proxy).where(Proxy.grantor_id == grantor.id).order_by(Proxy.id)).all()
    assert [(p.holder_id, p.active) for p in rows] == [(holder.id, False), (other.id, True)]


def test_the_secretary_route_checks_who_asks_and_which_meeting(room, client, auth, world):
    proxy = grant(room, room.guests[0], room.resident)
    url = f"/meetings/{room.meeting.id}/proxies/{proxy.id}/revoke"
    form = {"revoke_means": "in_person"}
    assert client.post(url, data=form).status_code in (302, 401)  # not logged in: to the login page
    auth.login("a_resident")
    assert client.post(url, data=form).status_code in (403, 404)
    auth.logout()
    auth.login("b_secretary")  # another community's secretary
    assert client.post(url, data=form).status_code in (403, 404)
    auth.logout()
    auth.login("a_secretary")
    assert client.post(f"/meetings/{room.other_meeting.id}/proxies/{proxy.id}/revoke", data=form).status_code in (403, 404)
    assert client.post(f"/meetings/{room.meeting.id}/proxies/999999/revoke", data=form).status_code == 404
    db.session.expire_all()
    assert db.session.get(Proxy, proxy.id).revoked_at is None


def test_no_withdrawal_after_the_meeting(room):
    proxy = grant(room, room.guests[0], room.resident)
    room.meeting.status = "concluded"
    db.session.commit()
    with pytest.raises(OperationError) as refused:
        operations.revoke_proxy(proxy, "in_person", "", room.meeting.host)
    assert refused.value.code == "meeting_state"


def test_withdrawal_and_proxy_ballot_at_once_end_in_one_order(app, room):
    """Real concurrency: either the ballot came first (it stays) or the withdrawal did (no ballot)."""
    holder, grantor = room.resident, room.guests[0]
    proxy = grant(room, grantor, holder)
    check_in(holder)
    poll = open_yes_no(room)
    meeting_id, poll_id, proxy_id, yes = room.meeting.id, poll.id, proxy.id, codes(poll)["yes"]
    barrier = threading.Barrier(2)
    outcomes: dict = {}

    def ballot():
        with app.app_context():
            barrier.wait()
            try:
                [outcomes["ballot"]] = cast_votes([BallotRequest(meeting_id, grantor.id, poll_id, [yes], "race",
                                                                 channel="proxy", proxy_id=proxy_id)])
                db.session.commit()
            except Exception as exc:  # noqa: BLE001 - asserted below
                db.session.rollback()
                outcomes["ballot"] = exc
            finally:
                db.session.remove()

    def withdraw():
        with app.app_context():
            barrier.wait()
            try:
                outcomes["withdraw"] = operations.revoke_proxy(db.session.get(Proxy, proxy_id), "phone_call", "", None)
                db.session.commit()
            except Exception as exc:  # noqa: BLE001 - asserted below
                db.session.rollback()
                outcomes["withdraw"] = exc
            finally:
                db.session.remove()

    threads = [threading.Thread(target=ballot), threading.Thread(target=withdraw)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert isinstance(outcomes["withdraw"], Proxy), outcomes
    db.session.expire_all()
    counted = db.session.scalar(select(func.count()).select_from(Ballot).where(Ballot.poll_id == poll_id))
    channel = db.session.scalar(select(func.count()).select_from(BallotChannel).where(BallotChannel.poll_id == poll_id))
    if isinstance(outcomes["ballot"], OperationError):
        assert outcomes["ballot"].code == "proxy_revoked" and counted == 0 and channel == 0
    else:
        assert not outcomes["ballot"].repeated and counted == 1 and channel == 1
    assert db.session.get(Proxy, proxy_id).revoked_at is not None
