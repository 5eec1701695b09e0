"""The secretary's pages: draft from the meeting page, watch the publication job, without JavaScript too."""
from __future__ import annotations

from roundtable.extensions import db
from roundtable.resolutions.models import Resolution
from tests.resolutions.conftest import confirm_all, run_worker_once


def test_the_draft_starts_from_the_meetings_record(world, concluded, client, login):
    login("a_secretary")
    meeting_page = client.get(f"/meetings/{concluded.meeting.id}").get_data(as_text=True)
    assert "起草决议" in meeting_page
    response = client.post(f"/meetings/{concluded.meeting.id}/resolution", follow_redirects=True)
    page = response.get_data(as_text=True)
    assert "已根据会议记录生成决议草稿" in page
    resolution = db.session.query(Resolution).one()
    record = resolution.record
    assert record["cases"] == [c.external_number for c in concluded.cases]
    assert record["attendance"]["resident"]["present"] == 3
    assert record["departments"][0]["state"] == "on_time"
    assert [item["title"] for item in record["agenda"]] == ["超时停车现状", "提醒与证明办法"]
    assert record["positions"]["resident"]["counts"] == {"support": 1, "oppose": 1, "concern": 0, "neutral": 0}
    (poll,) = record["polls"]
    assert (poll["rule_label"], poll["result_label"], [o["count"] for o in poll["options"]]) == (
        "赞成多于反对", "通过", [2, 1, 0]
    )
    for shown in (concluded.cases[0].external_number, "区交通支队(按时报到)", "赞成 2 · 反对 1 · 弃权 0", "接老人看病不该罚"):
        assert shown in page
    assert "张阿姨" not in page and "13900000001" not in page
    again = client.post(f"/meetings/{concluded.meeting.id}/resolution", follow_redirects=True)
    assert "已有一份正在起草的决议" in again.get_data(as_text=True)


def test_an_auditor_reads_but_cannot_draft_or_edit(world, concluded, drafted, client, login):
    login("a_auditor")
    assert client.get(f"/resolutions/{drafted.id}").status_code == 200
    assert client.post(f"/meetings/{concluded.meeting.id}/resolution").status_code == 403
    assert client.post(f"/resolutions/{drafted.id}/edit", data={"title": "审计改", "agreed_points": ""}).status_code == 403


def test_the_page_follows_the_publication_job_until_it_is_done(world, drafted, client, login):
    confirm_all(world, drafted)
    login("a_secretary")
    client.post(f"/resolutions/{drafted.id}/publish", data={})
    page = client.get(f"/resolutions/{drafted.id}").get_data(as_text=True)
    assert '<meta http-equiv="refresh"' in page and "排队中" in page  # refreshes itself without JavaScript
    status = client.get(f"/resolutions/{drafted.id}/job.json").get_json()
    assert status["job"]["status"] == "queued" and not status["published"]
    run_worker_once()
    status = client.get(f"/resolutions/{drafted.id}/job.json").get_json()
    assert status["job"]["status"] == "done" and status["published"]
    page = client.get(f"/resolutions/{drafted.id}").get_data(as_text=True)
    assert 'http-equiv="refresh"' not in page and "已发布" in page and f"/r/{drafted.id}.pdf" in page


def test_a_failed_render_is_shown_and_can_be_published_again(world, drafted, client, login, monkeypatch):
    from roundtable.resolutions import jobs

    def broken(*args, **kwargs):
        raise RuntimeError("字体缺失")

    monkeypatch.setattr(jobs, "render_pdf", broken)
    confirm_all(world, drafted)
    login("a_secretary")
    client.post(f"/resolutions/{drafted.id}/publish", data={})
    run_worker_once()
    page = client.get(f"/resolutions/{drafted.id}").get_data(as_text=True)
    assert "生成失败" in page and "字体缺失" in page
    db.session.expire_all()
    assert drafted.status == "awaiting_confirmations" and drafted.pdf is None
    monkeypatch.undo()
    client.post(f"/resolutions/{drafted.id}/publish", data={})
    run_worker_once()
    db.session.expire_all()
    assert drafted.status == "published"


def test_bad_commitment_input_gets_chinese_messages_and_changes_nothing(world, drafted, client, login):
    login("a_secretary")
    response = client.post(
        f"/resolutions/{drafted.id}/commitments",
        data={"unit": f"department:{world.department.id}", "action": "巡查", "deadline": "下周五"},
        follow_redirects=True,
    )
    assert "时间格式不正确" in response.get_data(as_text=True)
    response = client.post(
        f"/resolutions/{drafted.id}/commitments",
        data={"unit": f"organization:{world.b.organization.id}", "action": "巡查", "deadline": "2099-01-01T10:00"},
        follow_redirects=True,
    )
    assert "请选择承诺的部门或单位" in response.get_data(as_text=True)  # another community's unit
    response = client.post(f"/resolutions/{drafted.id}/edit", data={"title": "长" * 201}, follow_redirects=True)
    assert "决议标题不能超过200个字符" in response.get_data(as_text=True)
    db.session.expire_all()
    assert len(drafted.commitments) == 2 and drafted.title == "西河沿街超时停车圆桌会议决议"
