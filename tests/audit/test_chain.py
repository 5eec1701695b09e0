"""The audit trail: every change leaves a chained entry in its own transaction, and any tampering shows.

Tampering is done the way an intruder with database access would: raw SQL
on one row. `flask audit verify` must then fail, naming the broken entry.
"""
from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select, text

from roundtable.audit.models import AuditEntry
from roundtable.audit.queries import verify_chain
from roundtable.cases.operations import change_status, reveal_phone
from roundtable.extensions import db
from tests.factories import make_concluded_meeting


def _entries() -> list[AuditEntry]:
    db.session.expire_all()
    return list(db.session.scalars(select(AuditEntry).order_by(AuditEntry.seq)))


def _actions() -> list[str]:
    return [entry.action for entry in _entries()]


def test_a_secretary_moving_a_case_leaves_a_named_entry_with_the_status_change(world):
    change_status(world.a.case, "contacted", world.a.secretary, "已电话联系")
    db.session.commit()
    last = _entries()[-1]
    assert last.action == "case.status"
    assert (last.subject_type, last.subject_id, last.community_id) == ("case", world.a.case.id, world.a.community.id)
    assert last.data["changed"]["status"] == ["received", "contacted"]


def test_an_entry_never_carries_a_phone_or_a_complainant_name(world):
    world.a.case.complainant_phone = "13900009999"
    world.a.case.complainant_name = "王大爷"
    db.session.commit()
    reveal_phone(world.a.case, world.a.secretary)
    db.session.commit()
    dumped = " ".join(str(entry.data) for entry in _entries())
    for secret in ("13900009999", "13812345678", "王大爷", "李秀兰"):
        assert secret not in dumped
    assert "case.phone_reveal" in _actions()


def test_a_rolled_back_change_leaves_no_entry(world):
    before = len(_entries())
    change_status(world.a.case, "contacted", world.a.secretary, "")
    db.session.flush()
    assert db.session.scalar(select(func.count()).select_from(AuditEntry)) == before + 1  # written in the transaction
    db.session.rollback()
    assert len(_entries()) == before
    assert verify_chain().ok


def test_ballots_are_never_audited_one_by_one_only_the_poll_with_its_counts_and_receipts(world):
    concluded = make_concluded_meeting(world, yes=2, no=1, secret=True)
    actions = _actions()
    assert not [a for a in actions if "ballot" in a or "vote" in a]
    opened = [e for e in _entries() if e.action == "poll.open"]
    closed = [e for e in _entries() if e.action == "poll.close"]
    assert len(opened) == 1 and len(closed) == 1
    assert closed[0].data["total"] == 3
    assert sorted(closed[0].data["counts"].values()) == [0, 1, 2]
    assert len(closed[0].data["receipts"]) == 3
    assert closed[0].data["receipts"] == sorted(closed[0].data["receipts"])
    assert closed[0].subject_id == concluded.poll.id


def test_failed_and_successful_logins_are_audited(client, auth, world):
    auth.login("a_secretary", "wrong-password")
    auth.login("a_secretary")
    assert _actions()[-2:] == ["login.login_failed", "login.login"]


def test_verify_passes_on_an_untouched_chain(runner, world):
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 0, result.output
    assert "完好" in result.output


def _tamper_cases():
    return ["edit_data", "edit_actor", "edit_hash", "delete_middle", "delete_first", "delete_last", "swap"]


@pytest.mark.parametrize("tamper", _tamper_cases())
def test_any_single_row_tampered_with_is_detected_by_flask_audit_verify(tamper, runner, world):
    change_status(world.a.case, "contacted", world.a.secretary, "")
    db.session.commit()
    seqs = [entry.seq for entry in _entries()]
    middle = seqs[len(seqs) // 2]
    statements = {
        "edit_data": ("UPDATE audit_entries SET data = :d WHERE seq = :s", {"d": '{"changed":{}}', "s": middle}),
        "edit_actor": ("UPDATE audit_entries SET actor = 'someone_else' WHERE seq = :s", {"s": middle}),
        "edit_hash": ("UPDATE audit_entries SET hash = :h WHERE seq = :s", {"h": "f" * 64, "s": middle}),
        "delete_middle": ("DELETE FROM audit_entries WHERE seq = :s", {"s": middle}),
        "delete_first": ("DELETE FROM audit_entries WHERE seq = :s", {"s": seqs[0]}),
        "delete_last": ("DELETE FROM audit_entries WHERE seq = :s", {"s": seqs[-1]}),
    }
    if tamper == "swap":
        a, b = middle, middle + 1
        for sql in ("UPDATE audit_entries SET seq = -1 WHERE seq = :a", "UPDATE audit_entries SET seq = :a WHERE seq = :b",
                    "UPDATE audit_entries SET seq = :b WHERE seq = -1"):
            db.session.execute(text(sql), {"a": a, "b": b})
    else:
        sql, params = statements[tamper]
        db.session.execute(text(sql), params)
    db.session.commit()

    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code != 0, f"{tamper} went unnoticed: {result.output}"
    expected = {"delete_first": seqs[0], "delete_last": seqs[-1]}.get(tamper, middle)
    assert f"第 {expected} 条" in result.output


def test_the_auditor_page_shows_a_broken_chain_and_its_first_broken_entry(client, auth, world):
    seq = _entries()[3].seq
    db.session.execute(text("UPDATE audit_entries SET action = 'case.nothing' WHERE seq = :s"), {"s": seq})
    db.session.commit()
    auth.login("a_auditor")
    page = client.get("/audit/").get_data(as_text=True)
    assert "已损坏" in page
    assert f"#{seq}" in page


@pytest.mark.postgresql
def test_two_threads_appending_on_postgresql_keep_one_linear_chain(app, world, is_postgres):
    if not is_postgres:
        pytest.skip("the race needs two real connections to PostgreSQL (run with --db postgresql)")
    from roundtable.audit.operations import record

    start = threading.Barrier(2)
    errors = []

    def append_many(label: str):
        with app.app_context():
            try:
                start.wait()
                for n in range(25):
                    record(f"test.{label}", data={"n": n})
                    db.session.commit()
            except Exception as error:  # noqa: BLE001 - reported below
                errors.append(error)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=append_many, args=(label,)) for label in ("left", "right")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    entries = _entries()
    assert [e.seq for e in entries] == list(range(1, len(entries) + 1))
    assert sum(e.action.startswith("test.") for e in entries) == 50
    assert verify_chain().ok
