"""A published resolution never changes; a correction is a new version; /verify tells them apart.

Anyone holding a printout or a PDF can ask: is this authentic, which
version, has it been superseded? The answer comes from the hash stored at
publication, so an altered file is simply unknown.
"""
from __future__ import annotations

import hashlib
import io
from datetime import timedelta

import pytest

from roundtable.core.errors import OperationError
from roundtable.core.time import local, utcnow
from roundtable.extensions import db
from roundtable.resolutions import operations
from tests.resolutions.conftest import confirm_all, publish


def every_edit(resolution) -> list[tuple[str, str, dict]]:
    """Every route that could change a resolution or its commitments, with plausible form data."""
    r, c = resolution.id, resolution.commitments[0].id
    deadline = local(utcnow() + timedelta(days=30)).strftime("%Y-%m-%dT%H:%M")
    commitment = {"unit": f"department:{resolution.commitments[0].department_id}", "action": "改了", "deadline": deadline}
    return [
        ("POST", f"/resolutions/{r}/edit", {"title": "改过的标题", "agreed_points": "改过的决议"}),
        ("POST", f"/resolutions/{r}/commitments", commitment),
        ("GET", f"/resolutions/{r}/commitments/{c}/edit", {}),
        ("POST", f"/resolutions/{r}/commitments/{c}/edit", commitment),
        ("POST", f"/resolutions/{r}/commitments/{c}/delete", {}),
        ("POST", f"/resolutions/{r}/send", {}),
        ("POST", f"/resolutions/{r}/publish", {"reason": "再发布一次"}),
    ]


def frozen_state(resolution) -> tuple:
    db.session.expire_all()
    return (
        resolution.status, resolution.title, resolution.agreed_points, resolution.sha256, resolution.pdf,
        [(c.id, c.action, c.deadline, c.state) for c in resolution.commitments], resolution.publish_job_id,
    )


def test_no_route_changes_a_published_resolution(world, published, client, login):
    before = frozen_state(published)
    login("a_secretary")
    for method, url, data in every_edit(published):
        response = client.open(url, method=method, data=data, follow_redirects=True)
        assert "已发布的决议不能修改" in response.get_data(as_text=True), (method, url)
        assert frozen_state(published) == before, (method, url)
    login("traffic_staff")
    traffic = published.commitments[0]
    client.post(f"/commitments/{traffic.id}/contest", data={"reason": "改主意了"})
    assert frozen_state(published) == before


def test_no_operation_changes_a_published_resolution(world, published):
    secretary = world.a.secretary
    commitment = published.commitments[0]
    fields = operations.CommitmentFields(f"department:{world.department.id}", "改了", utcnow() + timedelta(days=3))
    for change in (
        lambda: operations.update_resolution(published, "新标题", "新决议"),
        lambda: operations.add_commitment(published, fields),
        lambda: operations.update_commitment(commitment, fields),
        lambda: operations.remove_commitment(commitment),
        lambda: operations.confirm_commitment(commitment, world.department_staff),
        lambda: operations.request_publication(published, secretary, "再来"),
    ):
        with pytest.raises(OperationError, match="已发布的决议不能修改"):
            change()
        db.session.rollback()


def test_a_draft_cannot_be_edited_while_its_pdf_is_being_rendered(world, drafted):
    confirm_all(world, drafted)
    operations.request_publication(drafted, world.a.secretary, "", "http://localhost/")
    db.session.commit()
    with pytest.raises(OperationError, match="正在生成"):
        operations.update_resolution(drafted, "趁机改", "趁机改")


def correct_and_publish(world, published):
    correction = operations.start_correction(published, world.a.secretary)
    operations.update_resolution(
        correction, correction.title, correction.agreed_points + "\n三、物业每周向社区报告一次巡查情况。"
    )
    db.session.commit()
    confirm_all(world, correction)
    return publish(world, correction)


def test_a_correction_is_a_new_version_that_supersedes_the_old(world, published):
    old_pdf, old_sha = published.pdf, published.sha256
    correction = correct_and_publish(world, published)
    db.session.refresh(published)
    assert (published.status, correction.status, correction.version) == ("superseded", "published", 2)
    assert published.pdf == old_pdf and published.sha256 == old_sha  # still readable, unchanged
    assert correction.record["resolution"]["supersedes_sha256"] == old_sha
    assert correction.sha256 != old_sha


def test_verify_answers_authentic_unknown_and_superseded(world, published, client):
    first = published.pdf
    answer = client.post("/verify", data={"file": (io.BytesIO(first), "决议.pdf")}, content_type="multipart/form-data")
    page = answer.get_data(as_text=True)
    assert "真实有效" in page and "第1版" in page

    tampered = first + b"\n% one byte more than what was published\n"
    page = client.post("/verify", data={"file": (io.BytesIO(tampered), "决议.pdf")}).get_data(as_text=True)
    assert "未知文件" in page and "真实有效" not in page

    page = client.post("/verify", data={"sha256": "0" * 64}).get_data(as_text=True)
    assert "未知文件" in page

    correct_and_publish(world, published)
    page = client.post("/verify", data={"sha256": hashlib.sha256(first).hexdigest().upper()}).get_data(as_text=True)
    assert "已被第2版取代" in page and "真实有效" not in page
    page = client.get(f"/verify?id={published.id}").get_data(as_text=True)
    assert "已被第2版取代" in page


def test_verify_explains_bad_input_without_failing(client):
    for data in ({"sha256": "不是哈希"}, {}):
        response = client.post("/verify", data=data)
        assert response.status_code == 200
    assert "64位十六进制" in client.post("/verify", data={"sha256": "abc"}).get_data(as_text=True)
    assert client.get("/verify?id=abc").status_code == 200
    assert client.get("/verify?sha256=xyz").status_code == 200


def test_only_published_pdfs_are_public(world, published, drafted_second_meeting, client):
    response = client.get(f"/r/{published.id}.pdf")
    assert response.status_code == 200 and response.data == published.pdf
    assert response.mimetype == "application/pdf"
    assert client.get(f"/r/sha256/{published.sha256}.pdf").data == published.pdf
    assert client.get(f"/r/{drafted_second_meeting.id}.pdf").status_code == 404
    assert client.get(f"/r/sha256/{'f' * 64}.pdf").status_code == 404
    assert client.get("/r/sha256/not-a-hash.pdf").status_code == 404


@pytest.fixture
def drafted_second_meeting(world, published):
    """Another meeting's resolution that is still a draft."""
    from tests.factories import make_concluded_meeting
    from tests.resolutions.conftest import draft

    return draft(world, make_concluded_meeting(world))


def test_the_published_pdf_appears_on_the_case_page(world, concluded, published, client, login):
    login("a_secretary")
    page = client.get(f"/cases/{concluded.cases[0].id}").get_data(as_text=True)
    assert f"/r/{published.id}.pdf" in page and "第1版" in page
