"""Isolation specs of the inbox and the outbox admin pages.

Notifications belong to a person, not a community: B's secretary's notice
must be out of reach of everyone in A. The outbox is for site administrators
only, so A's (non-admin) users get 403 there.
"""
from tests.isolation import foreign, own


def world_extras(world):
    from roundtable.notifications.operations import notify, queue_message

    world.b.extra["notification"] = notify(world.b.secretary, "东河沿社区会议通知", "周五下午开会", "/inbox")
    world.b.extra["outbox_message"] = queue_message("email", "b-secretary@example.org", "会议通知", "周五下午开会")


SPECS = {
    "notifications.inbox": own("lists only the caller's own notifications"),
    "notifications.mark_all_read": own("marks only the caller's own notifications"),
    "notifications.mark_read": foreign(
        lambda w: [("POST", f"/inbox/{w.b.extra['notification'].id}/read")]
    ),
    "outbox_admin.outbox": foreign(lambda w: [("GET", "/admin/outbox/")]),
    "outbox_admin.retry": foreign(
        lambda w: [("POST", f"/admin/outbox/{w.b.extra['outbox_message'].id}/retry")]
    ),
}
