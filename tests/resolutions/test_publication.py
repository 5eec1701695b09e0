"""The secretary publishes the overtime-parking resolution; the worker renders the archival PDF.

What the residents, the hotline and an archivist later rely on: the document
says what was agreed, by whose votes, who promised what; its embedded record
is the database's; its hash is on file; it is PDF/A-3b; it leaked nobody's
phone number; it went back onto every case.
"""
from __future__ import annotations

import hashlib
import json
import re

from sqlalchemy import select

from roundtable.cases.models import CaseEvent
from roundtable.core.time import utcnow
from roundtable.extensions import db
from roundtable.jobs.models import Job
from roundtable.live.models import Ballot
from roundtable.live.queries import count_votes
from roundtable.resolutions import operations
from roundtable.resolutions.jobs import RECORD_NAME, render_resolution_document
from roundtable.resolutions.pdf import STATIC_SCHEME, StaticOnlyURLFetcher, embedded_files, pdf_text, pdfa_identification
from tests.resolutions.conftest import POINTS, PROPERTY_ACTION, TRAFFIC_ACTION, confirm_all, draft, publish


def flat(text: str) -> str:
    return re.sub(r"\s+", "", text)


def test_the_pdf_says_what_was_agreed_on_which_cases_by_how_many_votes(world, concluded, published):
    text = flat(pdf_text(published.pdf))
    assert "接老人看病等特殊情况超时停车被拍的,由社区党委出具证明,免予处罚。" in text
    assert "加强街面巡查,提醒车主尽早驶离。" in text
    for case in concluded.cases:
        assert case.external_number in text
    assert "大栅栏街道西河沿社区" in text  # the community's header
    assert "赞成反对弃权投票数结果210" in text and "通过" in text  # the vote table: 2 yes, 1 no, 0 abstain
    assert "区交通支队" in text and flat(TRAFFIC_ACTION) in text and flat(PROPERTY_ACTION) in text
    assert "第1版" in text and "/verify?id=" in text
    assert published.record_sha256 in text


def test_the_embedded_record_is_what_the_database_holds(world, concluded, published):
    embedded = embedded_files(published.pdf)
    record = json.loads(embedded[RECORD_NAME])
    assert record == published.record
    assert hashlib.sha256(embedded[RECORD_NAME]).hexdigest() == published.record_sha256
    (poll,) = record["polls"]
    counts = count_votes(concluded.poll)["counts"]
    assert [o["count"] for o in poll["options"]] == [counts[o.id] for o in concluded.poll.options] == [2, 1, 0]
    assert poll["rule"] == "more_yes_than_no" and poll["result"] == "passed" and poll["total"] == 3
    receipts = sorted(db.session.scalars(select(Ballot.receipt).where(Ballot.poll_id == concluded.poll.id)))
    assert poll["receipts"] == receipts and len(receipts) == 3
    assert record["attendance"]["resident"]["present"] == 3
    assert record["attendance"]["department"]["present_names"] == ["区交通支队"]
    assert record["cases"] == [c.external_number for c in concluded.cases]
    assert [(c["unit"], c["action"], c["state"]) for c in record["commitments"]] == [
        (c.unit_name, c.action, c.state) for c in published.commitments
    ]
    assert record["resolution"]["version"] == 1 and record["agreed_points"] == POINTS.splitlines()


def test_the_stored_sha256_is_the_files_and_the_file_is_pdfa_3b(published):
    assert published.sha256 == hashlib.sha256(published.pdf).hexdigest()
    assert pdfa_identification(published.pdf) == ("3", "B")


def test_nobodys_phone_number_and_residents_named_only_with_consent(world, concluded):
    from roundtable.live import operations as live

    concluded.meeting.status = "live"  # one more position, typed with a phone number, before the end
    live.post_position(concluded.meeting, concluded.residents[1], "concern", "有事打我电话 139-0000-0001")
    concluded.meeting.status = "concluded"
    db.session.commit()
    resolution = draft(world, concluded, points="请联系物业 010-83161234 或 13812345678 登记。")
    confirm_all(world, resolution)
    publish(world, resolution)
    text = flat(pdf_text(resolution.pdf))
    record = embedded_files(resolution.pdf)[RECORD_NAME].decode()
    for shown in (text, record, json.dumps(resolution.record, ensure_ascii=False)):
        assert "13812345678" not in shown and "83161234" not in shown and "13900000001" not in shown
        assert "0000-0001" not in shown
        assert "张阿姨" not in shown and "王师傅" not in shown  # guests did not consent to be named
    assert "a_resident" in text  # a_resident consented
    assert "居民2" in text and "居民3" in text
    assert "电话已隐去" in text


def test_user_text_is_printed_as_text_and_nothing_is_fetched(world, concluded):
    hostile = (
        '<img src="file:///etc/passwd"> <a href="http://example.org/x">链接</a> '
        '<style>@import url(http://example.org/import.css);</style> <script>document.write("执行了脚本")</script>'
    )
    resolution = draft(world, concluded, points=f"决议正文 {hostile}")
    resolution.commitments[0].action = f"承诺 {hostile}"
    db.session.commit()
    fetcher = StaticOnlyURLFetcher()
    pdf, _record = render_resolution_document(resolution, utcnow(), "http://localhost/", url_fetcher=fetcher)
    assert fetcher.requested, "the stylesheets at least are asked for"
    assert all(url.startswith(f"{STATIC_SCHEME}:") for url in fetcher.requested), fetcher.requested
    assert not fetcher.refused
    text = flat(pdf_text(pdf))
    assert flat('<img src="file:///etc/passwd">') in text  # shown as the characters typed
    assert "<script>" in text and "@import" in text
    assert "执行了脚本" not in text.replace(flat('document.write("执行了脚本")'), "")
    assert "root:x:0:0" not in text


def test_publishing_puts_the_pdf_on_every_case_and_schedules_the_action(world, concluded, published):
    for case in concluded.cases:
        db.session.refresh(case)
        assert case.status == "action_scheduled"
        event = db.session.query(CaseEvent).filter_by(case_id=case.id, kind="resolution").one()
        assert event.data["link"] == f"/r/{published.id}.pdf" and event.data["sha256"] == published.sha256
    assert [o["moved"] for o in published.case_outcomes] == [True, True]


def test_a_case_that_cannot_move_is_reported_not_fatal(world, concluded, drafted):
    from roundtable.cases.operations import change_status

    stuck = concluded.cases[1]
    change_status(stuck, "replied", world.a.secretary, "已电话答复")
    db.session.commit()
    confirm_all(world, drafted)
    publish(world, drafted)
    assert drafted.status == "published"
    outcome = {o["number"]: o for o in drafted.case_outcomes}[stuck.external_number]
    # kept as a message id with the case's status, shown in the reader's language
    assert not outcome["moved"] and outcome["status"] == "replied" and "%(status)s" in outcome["message"]
    db.session.refresh(stuck)
    assert stuck.status == "replied"
    assert any("不能转为「已定方案」" in e.note for e in stuck.events)


def test_open311_shows_the_resolution_on_the_case(world, concluded, published, client):
    from roundtable.open311.models import ApiKey

    _, key = ApiKey.issue(world.a.community.id, "12345 对接")
    db.session.commit()
    case = concluded.cases[0]
    response = client.get(f"/open311/v2/requests/{case.external_number}.json?api_key={key}")
    assert response.status_code == 200, response.get_data(as_text=True)
    (request,) = response.get_json()
    assert request["media_url"] == f"http://localhost/r/{published.id}.pdf"
    assert "第1版" in request["status_notes"] and published.sha256 in request["status_notes"]


def test_rendering_runs_as_a_job_and_the_web_request_only_queues_it(world, drafted):
    confirm_all(world, drafted)
    job = operations.request_publication(drafted, world.a.secretary, "", "http://localhost/")
    db.session.commit()
    assert job.kind == "render_resolution" and job.status == "queued"
    assert drafted.status == "awaiting_confirmations" and drafted.pdf is None
    assert operations.is_publishing(drafted)
    from tests.resolutions.conftest import run_worker_once

    assert run_worker_once() == job.id
    assert db.session.get(Job, job.id).status == "done"
    db.session.refresh(drafted)
    assert drafted.status == "published"


def test_a_secret_poll_is_recorded_by_counts_and_receipts_never_by_voter(world):
    from roundtable.live.models import SecretVote
    from roundtable.resolutions.queries import meeting_record
    from tests.factories import make_concluded_meeting

    concluded = make_concluded_meeting(world, yes=1, no=2, secret=True)
    (poll,) = meeting_record(concluded.meeting)["polls"]
    assert poll["secret"] and "ballots" not in poll
    assert [o["count"] for o in poll["options"]] == [1, 2, 0] and poll["result"] == "failed"
    stored = sorted(db.session.scalars(select(SecretVote.receipt).where(SecretVote.poll_id == concluded.poll.id)))
    assert poll["receipts"] == stored and len(stored) == 3


def test_every_published_pdf_prints_and_embeds_the_signed_audit_head(world, published, runner, tmp_path):
    """A department's copy of the PDF is an anchor: a rewrite of the history before it is caught."""
    from sqlalchemy import update

    from roundtable.audit.anchor import EMBEDDED_NAME, Checkpoint, check_anchor
    from roundtable.audit.models import AuditChainHead, AuditEntry, entry_hash

    anchor = Checkpoint.from_json(embedded_files(published.pdf)[EMBEDDED_NAME])
    assert check_anchor(anchor).ok
    text = flat(pdf_text(published.pdf))
    assert f"第{anchor.seq}条" in text, text[-600:]
    assert anchor.hash in text, text[-600:]
    copy = tmp_path / "决议.pdf"
    copy.write_bytes(published.pdf)
    assert runner.invoke(args=["audit", "verify", "--anchor", str(copy)]).exit_code == 0

    entries = list(db.session.scalars(select(AuditEntry).where(AuditEntry.seq >= 2).order_by(AuditEntry.seq)))
    prev = db.session.scalar(select(AuditEntry.hash).where(AuditEntry.seq == 1))
    entries[0].actor = "rewritten"
    for entry in entries:
        entry.prev_hash, entry.hash = prev, entry_hash(entry.hashed_fields(), prev)
        prev = entry.hash
    db.session.flush()
    db.session.execute(update(AuditChainHead).values(last_hash=prev))
    db.session.commit()
    assert runner.invoke(args=["audit", "verify"]).exit_code == 0
    result = runner.invoke(args=["audit", "verify", "--anchor", str(copy)])
    assert result.exit_code == 1 and "改写" in result.output
