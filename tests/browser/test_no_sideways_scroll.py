"""No page of the application scrolls sideways on a 360 px phone, for any role.

The demo community (seed-demo: cases, a scheduled roundtable with invitations, a concluded one
with its published resolution) is walked by following every link each role can reach, from the
home page or from the link the role is given: the resident's invitation link, the secretary,
department and organization staff, the auditor, a logged-in resident and the watch link. One
page per route shape (ids replaced) is enough; each must have scrollWidth ≤ clientWidth.
"""
from __future__ import annotations

import os
import re
from collections import deque
from urllib.parse import urljoin, urlsplit

import pytest
from sqlalchemy import select

from roundtable.extensions import db
from roundtable.meetings.models import Invitation, Meeting
from tests.browser.conftest import log_in, sideways_overflow

SKIP = re.compile(r"(\.(pdf|ics|csv|xlsx|svg|json|png|zip)$)|^/static/|^/logout|^/lang|/export|/socket\.io")
MAX_PAGES = 70
SHOTS = os.environ.get("RT_SCREENSHOTS")


def shape(path: str) -> str:
    """/meetings/12/agenda/3 and /meetings/7/agenda/1 are one page to check; tokens likewise."""
    path = re.sub(r"/\d+", "/N", path)
    return re.sub(r"/(j|watch|live/join)/[A-Za-z0-9_-]+", r"/\1/T", path)


def walk(page, base: str, starts: list[str]) -> tuple[list[str], list[tuple[str, int]]]:
    seen, visited, wide = set(), [], []
    queue = deque(starts)
    while queue and len(visited) < MAX_PAGES:
        path = queue.popleft()
        if shape(path) in seen:
            continue
        seen.add(shape(path))
        response = page.goto(base + path)
        if response is None or response.status >= 500:
            wide.append((path, -1 if response is None else response.status))
            continue
        page.wait_for_timeout(150)  # live pages draw after their snapshot
        visited.append(path)
        overflow = sideways_overflow(page)
        if overflow > 0:
            wide.append((path, overflow))
        for href in page.eval_on_selector_all("a[href]", "links => links.map(a => a.getAttribute('href'))"):
            target = urlsplit(urljoin(base + path, href))
            if target.netloc != urlsplit(base).netloc or SKIP.search(target.path):
                continue
            link = target.path + (f"?{target.query}" if target.query and "page=" not in target.query else "")
            if shape(target.path) not in seen:
                queue.append(link)
    return visited, wide


@pytest.fixture
def demo(app, runner):
    """The demo community, as `make run` shows it."""
    result = runner.invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    scheduled = db.session.scalar(select(Meeting).where(Meeting.status == "scheduled"))
    concluded = db.session.scalar(select(Meeting).where(Meeting.status == "concluded"))
    guest = db.session.scalar(select(Invitation).where(Invitation.meeting_id == scheduled.id, Invitation.kind == "guest"))
    past = db.session.scalar(select(Invitation).where(Invitation.meeting_id == concluded.id, Invitation.side == "resident"))
    return {"scheduled": scheduled, "concluded": concluded, "guest": guest, "past": past}


ROLES = {
    "secretary": "zhangcx",
    "resident": "lixiulan",
    "department": "zhifa",  # summoned to the scheduled roundtable, not yet reported in
    "organization": "wuye",
    "auditor": "auditor",
}


@pytest.mark.parametrize("role", [*ROLES, "invitation link", "watch link"])
def test_no_page_scrolls_sideways_at_360_px(live_server, new_page, demo, role):
    page = new_page(phone=True)
    if role in ROLES:
        log_in(page, live_server.url, ROLES[role], "demo12345")
        starts = ["/home", "/verify", "/receipt"]
        if role == "secretary":
            starts += [f"/meetings/{demo['scheduled'].id}/console", "/meetings/new", "/cases/new"]
    elif role == "invitation link":
        starts = [f"/j/{demo['guest'].token}", f"/live/join/{demo['guest'].token}", f"/j/{demo['past'].token}",
                  "/receipt?code=0000-0000"]
    else:
        starts = [f"/watch/{demo['scheduled'].watch_token}", f"/watch/{demo['concluded'].watch_token}"]
    visited, wide = walk(page, live_server.url, starts)
    print(f"{role}: {len(visited)} pages walked")
    if SHOTS and role == "department":
        page.goto(live_server.url + "/home")
        page.screenshot(path=f"{SHOTS}/department-home.png", full_page=True)
    assert len(visited) >= (8 if role in ("secretary", "auditor") else 2), visited
    assert not wide, f"{role}: pages wider than 360 px (path, extra px): {wide}"
