"""The personal inbox, and the administrators' view of messages that have not gone out."""
from __future__ import annotations

from collections.abc import Callable

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user

from roundtable.communities.permissions import can_administer
from roundtable.core.login import login_required
from roundtable.core.permissions import guard_blueprint
from roundtable.extensions import db
from roundtable.notifications import operations, queries
from roundtable.notifications.models import OUTBOX_STATUS_LABELS

bp = Blueprint("notifications", __name__)
admin_bp = Blueprint("outbox_admin", __name__, url_prefix="/admin/outbox")


def _page() -> int:
    return request.args.get("page", 1, type=int) or 1


@bp.app_context_processor
def unread_notifications() -> dict[str, Callable[[], int]]:
    """The header's "消息 (3)" count, queried only when a page asks for it."""

    def unread_notification_count() -> int:
        if not current_user.is_authenticated:
            return 0
        return queries.unread_count(current_user)

    return {"unread_notification_count": unread_notification_count}


@bp.route("/inbox")
@login_required
def inbox() -> ResponseReturnValue:
    page = queries.inbox_page(current_user, _page(), current_app.config["PAGE_SIZE"])
    return render_template(
        "notifications/inbox.html", page=page, unread=queries.unread_count(current_user)
    )


@bp.route("/inbox/<int:notification_id>/read", methods=["POST"])
@login_required
def mark_read(notification_id: int) -> ResponseReturnValue:
    notification = queries.notification_of(current_user, notification_id)
    if notification is None:
        abort(404)
    operations.mark_read(notification)
    db.session.commit()
    return redirect(url_for("notifications.inbox"))


@bp.route("/inbox/read-all", methods=["POST"])
@login_required
def mark_all_read() -> ResponseReturnValue:
    operations.mark_all_read(current_user)
    db.session.commit()
    flash("已将全部消息标为已读。", "success")
    return redirect(url_for("notifications.inbox"))


guard_blueprint(admin_bp, can_administer)


@admin_bp.route("/")
def outbox() -> ResponseReturnValue:
    status = request.args.get("status") or None
    page = queries.unsent_messages_page(status, _page(), current_app.config["PAGE_SIZE"])
    return render_template(
        "notifications/outbox.html",
        page=page,
        counts=queries.outbox_counts(),
        status=status if status in queries.UNSENT_STATUSES else None,
        status_labels=OUTBOX_STATUS_LABELS,
        max_attempts=current_app.config["OUTBOX_MAX_ATTEMPTS"],
    )


@admin_bp.route("/<int:message_id>/retry", methods=["POST"])
def retry(message_id: int) -> ResponseReturnValue:
    message = queries.outbox_message(message_id)
    if message is None:
        abort(404)
    operations.retry_message(message)
    db.session.commit()
    flash("已安排立即重新发送。", "success")
    return redirect(url_for("outbox_admin.outbox"))
