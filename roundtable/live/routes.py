"""The pages of a live meeting: the phone page, the host console and the big-screen view.

These routes only decide *who may open which page* and hand the page what it
needs to connect (meeting id, and the token when the page is opened from a
link). Everything that happens in the meeting travels over the ``/live``
Socket.IO namespace (docs/live-protocol.md), which checks permission again on
every event: a page that opens is never by itself a licence to act.
"""
from __future__ import annotations

import io
from typing import NoReturn

from flask import Blueprint, Response, abort, make_response, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import select

from roundtable.communities.context import community_required
from roundtable.communities.permissions import is_member
from roundtable.core.http import TOKEN_MAX_LENGTH, error_response
from roundtable.core.permissions import load_or_404
from roundtable.extensions import db, limiter
from roundtable.live.models import STANCES
from roundtable.live.outcome import check_code, meeting_summary, normalise_code
from roundtable.live.permissions import invitation_of, is_live_host
from roundtable.meetings.models import Invitation, Meeting
from roundtable.meetings.qr import public_url

bp = Blueprint("live_pages", __name__)

# A finished or cancelled meeting has no live room any more; its links lead to its summary.
CLOSED_STATUSES = ("concluded", "cancelled")

NO_SUCH_LINK = "这个链接无效,请检查链接是否完整,或向社区工作人员索取新的链接。"
NOT_INVITED = "您不在这次会议的邀请名单上。"

# The stance buttons of the phone page, in the order residents see them.
STANCE_BUTTONS = (("support", "支持"), ("oppose", "反对"), ("concern", "有顾虑"), ("neutral", "中立"))
assert {code for code, _ in STANCE_BUTTONS} == set(STANCES), "stance buttons out of step with the protocol"


def _refuse(status: int, message: str) -> NoReturn:
    """Stop with the site's error page carrying a message the person can act on."""
    abort(make_response(error_response(status, message)))


def _by_token(model, column, token: str):
    if not token or len(token) > TOKEN_MAX_LENGTH:
        return None
    return db.session.scalar(select(model).where(column == token))


def _invited(meeting_id: int) -> tuple[Meeting, Invitation]:
    """The meeting and the logged-in caller's invitation to it, or the refusal: members of the
    community learn that they are not invited; anyone else learns nothing about the meeting."""
    meeting = db.session.get(Meeting, meeting_id)
    if meeting is None:
        abort(404)
    invitation = invitation_of(current_user, meeting)
    if invitation is None:
        if current_user.role_in(meeting.community_id) is None:
            abort(404)
        _refuse(403, NOT_INVITED)
    return meeting, invitation


def _summary_page(meeting: Meeting, invitation: Invitation | None, **links) -> Response:
    """What a finished (or cancelled) meeting decided: outcomes in words, the caller's own ballots, the resolution."""
    from roundtable.resolutions.queries import latest_published, public_pdf_url

    resolution = latest_published(meeting.id)
    return _private(make_response(render_template(
        "live/summary.html",
        meeting=meeting,
        summary=meeting_summary(meeting, invitation),
        resolution=resolution,
        resolution_pdf=public_pdf_url(resolution) if resolution else None,
        **links,
    )))


def _private(response: Response) -> Response:
    """A page whose URL is a key: keep it out of caches and out of other sites' Referer."""
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


def _phone_page(meeting: Meeting, token: str | None, name: str, summary_url: str) -> Response:
    return _private(
        make_response(
            render_template(
                "live/phone.html", meeting=meeting, token=token, name=name, stances=STANCE_BUTTONS,
                summary_url=summary_url,
            )
        )
    )


@bp.route("/live/join/<token>")
def join(token: str):
    """The phone page opened from the invitation link: no account, the token is the key."""
    invitation = _by_token(Invitation, Invitation.token, token)
    if invitation is None:
        _refuse(404, NO_SUCH_LINK)
    summary_url = url_for("invite.join", token=token)
    if invitation.meeting.status in CLOSED_STATUSES:
        # After the meeting the invitation page is its summary: outcomes, my receipts, the resolution.
        return redirect(summary_url)
    return _phone_page(invitation.meeting, token, invitation.display_name, summary_url)


@bp.route("/meetings/<int:meeting_id>/live")
@login_required
def phone(meeting_id: int):
    """The same phone page for a logged-in resident or department staff member who is invited."""
    meeting, invitation = _invited(meeting_id)
    if meeting.status in CLOSED_STATUSES:
        return redirect(url_for("live_pages.summary", meeting_id=meeting.id))
    return _phone_page(meeting, None, invitation.display_name, url_for("live_pages.summary", meeting_id=meeting.id))


@bp.route("/meetings/<int:meeting_id>/summary")
@login_required
def summary(meeting_id: int):
    """What the meeting decided, for an invited person who is logged in (with their own ballots)."""
    meeting, invitation = _invited(meeting_id)
    return _summary_page(meeting, invitation)


@bp.route("/meetings/<int:meeting_id>/console")
@community_required(can=is_member)
def console(meeting_id: int):
    """The host console: only the host and the secretaries of the meeting's community."""
    meeting = load_or_404(Meeting, meeting_id, can=is_live_host)
    return _private(
        make_response(
            render_template(
                "live/console.html",
                meeting=meeting,
                watch_url=public_url("live_pages.watch", token=meeting.watch_token),
            )
        )
    )


@bp.route("/watch/<token>")
def watch(token: str):
    """The read-only big-screen view (直播); the watch token can never act (protocol §1)."""
    meeting = _by_token(Meeting, Meeting.watch_token, token)
    if meeting is None:
        _refuse(404, NO_SUCH_LINK)
    if meeting.status in CLOSED_STATUSES:
        return _summary_page(meeting, None)
    return _private(make_response(render_template(
        "live/watch.html", meeting=meeting, token=token,
        summary_url=url_for("live_pages.watch", token=token),
        qr_url=url_for("live_pages.watch_qr", token=token),
    )))


@bp.route("/watch/<token>/qr.svg")
def watch_qr(token: str):
    """The QR code in the big screen's corner: scanning it opens the same watch link on a phone."""
    from roundtable.meetings.qr import join_qr

    meeting = _by_token(Meeting, Meeting.watch_token, token)
    if meeting is None:
        abort(404)
    svg = io.BytesIO()
    join_qr(public_url("live_pages.watch", token=token)).save(svg, kind="svg", scale=8, border=2, title="QR")
    response = Response(svg.getvalue(), mimetype="image/svg+xml")
    return _private(response)


@bp.route("/receipt")
@limiter.limit("30 per minute")
def receipt_check():
    """Anyone may check a receipt's short code: counted in which poll; named polls also say which choice."""
    typed = request.args.get("code", "")
    code = normalise_code(typed) if typed else None
    return render_template(
        "live/receipt.html", typed=typed[:40], code=code, invalid=bool(typed) and code is None,
        found=check_code(code) if code else [],
    )
