"""Roundtable in English: every page and live view each role reaches, with ``Accept-Language: en``.

The demo community (seed-demo: cases, a scheduled roundtable with invitations, a concluded one
with its published resolution, a fund vote, certificates) is walked by following the links of
every page, from the places each role starts: the secretary, a resident, a department officer,
the property manager, the street supervisor, the auditor and the administrator log in; a
resident without an account opens the invitation link; anyone opens the watch link, the receipt
check and the login page. Each page (one per route shape) must carry no Chinese character
except the community's own data: names, titles, descriptions, addresses, positions that people
typed, read from the database. The live pages are also joined over the socket: the snapshot,
the room's broadcasts and the refusals must be English too.

Chinese that the application wrote itself into the database (a notice's title, a case event's
note) is not data people typed: it is kept as a message id and its parameters and shown in the
reader's language, so those columns are not counted as user data here.
"""
from __future__ import annotations

import html
import re
from collections import deque
from urllib.parse import urljoin, urlsplit

import pytest
from sqlalchemy import JSON, String, Text, select

from roundtable.extensions import db, socketio
from roundtable.meetings.models import Invitation, Meeting

CJK = re.compile(r"[\u3000-\u303f\u3400-\u9fff\uff00-\uffef]+")
SKIP = re.compile(r"(\.(pdf|ics|csv|xlsx|svg|json|png|zip|js|css)$)|^/static/|^/logout|^/lang|/socket\.io")
# A name masked for the public (李**) keeps only its first character.
MASKED_NAME = re.compile(r"[\u3400-\u9fff]\*{2,}")
TOKEN = re.compile(r"[^\s<>\"']+")
EN = {"Accept-Language": "en-US,en;q=0.9"}
# The language switch names each language in itself; a plate number's example is a plate number.
ALLOWED = ("中文", "京A12345")
# Columns the application fills with its own words (shown translated, not as stored).
APPLICATION_TEXT = {
    ("notifications", "title"), ("notifications", "body"),
    ("outbox_messages", "subject"), ("outbox_messages", "body"),
}
MAX_PAGES = 150

ROLES = {
    "secretary": "zhangcx",
    "resident": "lixiulan",
    "department": "zhifa",
    "organization": "wuye",
    "street supervisor": "dubao",
    "auditor": "auditor",
    "admin": "admin",
}


def shape(path: str) -> str:
    """/meetings/12/agenda/3 and /meetings/7/agenda/1 are one page to check; tokens likewise."""
    path = re.sub(r"/\d+", "/N", path)
    return re.sub(r"/(j|watch|live/join|r|c)/[A-Za-z0-9_.-]+", r"/\1/T", path)


def _leaves(value):
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _leaves(item)
    elif isinstance(value, (list, tuple)):
        for item in value:
            yield from _leaves(item)


def user_data() -> list[str]:
    """Every Chinese text the database holds in a column people fill, longest first.

    JSON columns hold records kept as written, in the community's language (a resolution's
    frozen record with its 居民1, the audit trail's data): shown as kept, they count as data.
    """
    found: set[str] = set()
    for table in db.metadata.sorted_tables:
        columns = [c for c in table.columns if isinstance(c.type, (String, Text, JSON))
                   and (table.name, c.name) not in APPLICATION_TEXT]
        if not columns:
            continue
        for row in db.session.execute(select(*columns)):
            for value in (leaf for cell in row for leaf in _leaves(cell)):
                if isinstance(value, str) and CJK.search(value):
                    found.add(value)
                    found.update(line.strip() for line in value.splitlines() if line.strip())
    return sorted(found, key=len, reverse=True)


def chinese_outside(text: str, data: list[str]) -> list[str]:
    """The Chinese runs of ``text`` once the community's own data is taken out, with context."""
    text = html.unescape(text)
    for value in (*data, *ALLOWED):
        text = text.replace(value, " ")
    text = MASKED_NAME.sub(" ", text)
    # Data cut short to fit (a description in a select): a word of six or more characters inside a value.
    text = TOKEN.sub(lambda m: " " if len(m.group()) >= 6 and CJK.search(m.group())
                     and any(m.group().rstrip("…") in value for value in data) else m.group(), text)
    found = []
    for match in CJK.finditer(text):
        found.append(text[max(0, match.start() - 40): match.end() + 40].replace("\n", " "))
    return found


def walk(client, starts: list[str], data: list[str]) -> tuple[list[str], dict[str, list[str]]]:
    seen: set[str] = set()
    visited: list[str] = []
    chinese: dict[str, list[str]] = {}
    queue = deque(starts)
    while queue and len(visited) < MAX_PAGES:
        path = queue.popleft()
        if shape(urlsplit(path).path) in seen:
            continue
        seen.add(shape(urlsplit(path).path))
        response = client.get(path, headers=EN)
        if response.status_code in (301, 302, 303):
            location = urlsplit(urljoin("http://localhost" + path, response.headers["Location"]))
            if location.netloc == "localhost" and not SKIP.search(location.path):
                queue.appendleft(location.path + (f"?{location.query}" if location.query else ""))
            seen.discard(shape(urlsplit(path).path))  # the target may be another shape
            seen.add(shape(urlsplit(path).path) + "→")
            continue
        assert response.status_code < 500, f"{path} → {response.status_code}"
        visited.append(path)
        if "html" not in response.content_type:
            continue
        page = response.get_data(as_text=True)
        found = chinese_outside(page, data)
        if found:
            chinese[path] = found
        for href in re.findall(r'(?:href|action)="([^"#]*)"', page):
            target = urlsplit(urljoin("http://localhost" + path, html.unescape(href)))
            if target.netloc != "localhost" or SKIP.search(target.path):
                continue
            if shape(target.path) not in seen:
                queue.append(target.path + (f"?{target.query}" if target.query and "page=" not in target.query else ""))
    return visited, chinese


@pytest.fixture
def demo(app, runner):
    """The demo community, as `make run` shows it, with its scheduled roundtable under way."""
    from roundtable.meetings.operations import transition_meeting

    result = runner.invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    scheduled = db.session.scalar(select(Meeting).where(Meeting.status == "scheduled"))
    concluded = db.session.scalar(select(Meeting).where(Meeting.status == "concluded"))
    guest = db.session.scalar(select(Invitation).where(Invitation.meeting_id == scheduled.id, Invitation.kind == "guest"))
    past = db.session.scalar(select(Invitation).where(Invitation.meeting_id == concluded.id, Invitation.side == "resident"))
    live = {"scheduled": scheduled, "concluded": concluded, "guest": guest, "past": past}
    # A second meeting, under way: the live pages are walked while something happens in them.
    transition_meeting(scheduled, "live", scheduled.host)
    db.session.commit()
    return live


def _report(role: str, chinese: dict[str, list[str]]) -> str:
    lines = [f"{role}: Chinese left on English pages (wrap it in _() and translate it):"]
    for path, found in chinese.items():
        lines.append(f"  {path}")
        lines.extend(f"      …{snippet}…" for snippet in found[:8])
    return "\n".join(lines)


@pytest.mark.parametrize("role", [*ROLES, "invitation link", "watch link", "anonymous"])
def test_every_page_a_role_reaches_is_english(client, demo, role):
    data = user_data()
    if role in ROLES:
        response = client.post("/login", data={"username": ROLES[role], "password": "demo12345"}, headers=EN)
        assert response.status_code in (302, 303), response.get_data(as_text=True)[:500]
        starts = ["/home", "/verify", "/receipt", "/notifications"]
        if role == "secretary":
            starts += [f"/meetings/{demo['scheduled'].id}/console", f"/meetings/{demo['scheduled'].id}/live",
                       "/meetings/new", "/cases/new", "/cases/import/"]
    elif role == "invitation link":
        starts = [f"/j/{demo['guest'].token}", f"/live/join/{demo['guest'].token}", f"/j/{demo['past'].token}",
                  "/receipt?code=0000-0000"]
    elif role == "watch link":
        starts = [f"/watch/{demo['scheduled'].watch_token}", f"/watch/{demo['concluded'].watch_token}"]
    else:
        starts = ["/", "/login", "/verify", "/receipt?code=0000-0000", "/j/no-such-token", "/watch/no-such-token"]
    visited, chinese = walk(client, starts, data)
    print(f"{role}: {len(visited)} pages walked")
    assert len(visited) >= (10 if role in ("secretary", "auditor", "admin") else 2), visited
    assert not chinese, _report(role, chinese)


def _phone(app, token=None, flask_client=None):
    return socketio.test_client(app, namespace="/live", auth={"token": token} if token else None,
                                flask_test_client=flask_client, headers=EN)


def _all_text(value) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [text for item in value.values() for text in _all_text(item)]
    if isinstance(value, (list, tuple)):
        return [text for item in value for text in _all_text(item)]
    return []


def test_the_live_room_speaks_english(app, client, demo):
    """Snapshot, broadcasts and refusals on the phone and the console, for an English browser."""
    meeting = demo["scheduled"]
    phone = _phone(app, demo["guest"].token)
    watcher = _phone(app, meeting.watch_token)
    client.post("/login", data={"username": "zhangcx", "password": "demo12345"}, headers=EN)
    console = _phone(app, flask_client=client)
    stranger = _phone(app, "no-such-token")
    assert not stranger.is_connected("/live")  # refused at the handshake, before any words

    def call(connection, event, payload=None):
        return connection.emit(event, payload if payload is not None else {}, namespace="/live", callback=True)

    acks = [call(p, "join", {"meeting_id": meeting.id}) for p in (phone, watcher, console)]
    assert all(ack["ok"] for ack in acks), acks
    acks.append(call(watcher, "check_in"))  # a watcher may not act
    acks.append(call(phone, "vote_cast", {"poll_id": 10**6, "choices": [1], "key": "k1"}))  # before checking in
    acks.append(call(phone, "check_in"))
    acks.append(call(phone, "agenda_advance"))  # host only
    acks.append(call(phone, "no_such_event"))
    acks.append(call(phone, "position_post", {"stance": "support", "text": ""}))
    acks.append(call(phone, "position_post", {"stance": "nonsense", "text": "x"}))
    acks.append(call(phone, "position_post", {"stance": "support", "text": "no parking at night"}))
    acks.append(call(phone, "hand_raise", {"stance": "support"}))
    acks.append(call(phone, "motion_propose", {"text": "patrol twice a day"}))
    acks.append(call(console, "agenda_advance"))
    acks.append(call(console, "poll_open", {"motion_id": 10**6, "kind": "yes_no"}))
    acks.append(call(console, "meeting_adjourn", {"note": "tea break"}))
    acks.append(call(phone, "snapshot"))
    refusals = [ack for ack in acks if isinstance(ack, dict) and ack.get("ok") is False]
    assert len(refusals) >= 5, acks
    assert all(ack.get("error") for ack in refusals), refusals
    received = [packet["args"] for p in (phone, watcher, console) for packet in p.get_received("/live")]
    data = user_data()
    chinese = [snippet for text in _all_text([acks, received]) for snippet in chinese_outside(text, data)]
    assert not chinese, f"Chinese in the live room of an English phone: {chinese}"
    for connection in (phone, watcher, console, stranger):
        if connection.is_connected("/live"):
            connection.disconnect(namespace="/live")


@pytest.mark.parametrize("header, expected", [
    (None, "zh_CN"),
    ("en-US,en;q=0.9", "en"),
    ("en-GB", "en"),
    ("zh-TW,zh;q=0.9,en;q=0.8", "zh_CN"),
    ("fr-FR,fr;q=0.9,en;q=0.5", "en"),
    ("fr-FR,de;q=0.9", "zh_CN"),
    ("en;q=0,zh;q=0.5", "zh_CN"),
])
def test_the_browser_language_picks_the_interface(app, header, expected):
    from roundtable.i18n import select_locale

    with app.test_request_context("/", headers={"Accept-Language": header} if header else {}):
        assert select_locale() == expected


def test_an_explicit_choice_wins_over_the_browser(client, world):
    assert "Log in" in client.get("/login", headers=EN).get_data(as_text=True)
    assert "Log in" not in client.get("/login?lang=zh_CN", headers=EN).get_data(as_text=True)
    assert "Log in" not in client.get("/login", headers=EN).get_data(as_text=True)  # kept in the session
    client.post("/login", data={"username": "a_resident", "password": "secret-pass-1"})
    client.post("/language/en")
    with client.session_transaction() as session:
        session.pop("lang", None)
    page = client.get("/home", headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)
    assert '<html lang="en">' in page and "Log out" in page  # the account's choice


def test_a_notice_is_shown_in_the_readers_language_and_sent_in_the_recipients(app, world):
    """Kept as a message id with its values: the inbox in each reader's language, the e-mail in the recipient's."""
    from flask_babel import force_locale

    from roundtable.notifications.models import Notification, OutboxMessage
    from roundtable.notifications.operations import notify
    from tests.factories import make_meeting

    resident, secretary = world.a.resident, world.a.secretary
    resident.email, resident.locale = "resident@example.org", "en"
    secretary.email = "secretary@example.org"
    meeting = make_meeting(world.a.community, secretary, title="西河沿停车议事会", venue="活动室 100%")
    for user in (resident, secretary):
        notify(user, "会议邀请:%(title)s", "%(kind_label)s,地点:%(venue)s。请打开链接回复是否参加。", "/meetings/1",
               params={"title": meeting.title, "kind_label": meeting.kind_label, "venue": meeting.venue})
    db.session.commit()
    notice = db.session.scalar(select(Notification).where(Notification.user_id == resident.id))
    with force_locale("en"):
        assert notice.shown_title == "Meeting invitation: 西河沿停车议事会"
        assert notice.shown_body == "Roundtable at 活动室 100%. Open the link to say whether you will attend."
    with force_locale("zh_CN"):
        assert notice.shown_title == "会议邀请:西河沿停车议事会"
        assert notice.shown_body == "圆桌会议,地点:活动室 100%。请打开链接回复是否参加。"
    mail = {m.recipient: m for m in db.session.scalars(select(OutboxMessage))}
    assert mail["resident@example.org"].subject == "Meeting invitation: 西河沿停车议事会"  # her language
    assert mail["secretary@example.org"].subject == "会议邀请:西河沿停车议事会"  # no choice: the community's
    assert "Open the link" in mail["resident@example.org"].body and "/meetings/1" in mail["resident@example.org"].body


def test_notices_written_before_message_ids_are_shown_as_written(app, world):
    from flask_babel import force_locale

    from roundtable.notifications.models import Notification

    old = Notification(user_id=world.a.resident.id, title="会议已取消:旧会议", body="下雨 100%", link="", params=None)
    db.session.add(old)
    db.session.commit()
    with force_locale("en"):
        assert (old.shown_title, old.shown_body) == ("会议已取消:旧会议", "下雨 100%")


def test_the_inbox_page_is_in_the_readers_language(client, auth, world):
    from roundtable.meetings.operations import invite_resident
    from tests.factories import make_meeting

    meeting = make_meeting(world.a.community, world.a.secretary, title="停车议事会")
    invite_resident(meeting, world.a.resident.id)
    db.session.commit()
    auth.login("a_resident")
    english = client.get("/inbox", headers=EN).get_data(as_text=True)
    assert "Meeting invitation: 停车议事会" in english and "会议邀请" not in english
    client.get("/inbox?lang=zh_CN")
    assert "会议邀请:停车议事会" in client.get("/inbox").get_data(as_text=True)


def test_the_scripts_carry_no_words_of_their_own():
    """Every word a script shows comes from the page's translated JSON (live/_strings.html, base.html).

    Checked against a planted word, so that a comment filter that swallowed everything would show.
    """
    from pathlib import Path

    def words(code: str) -> list[str]:
        code = re.sub(r"/\*.*?\*/", "", code, flags=re.S)
        code = re.sub(r"(?m)^\s*//.*$|(?<=[;,{}()\s])//[^\n\"']*$", "", code)
        return [line.strip() for line in code.splitlines() if CJK.search(line)]

    assert words('/* 注释 */\nvar a = 1; // 注释\nnotice("已保存");') == ['notice("已保存");']
    root = Path(__file__).resolve().parent.parent / "static" / "js"
    found = [f"{script.relative_to(root)}: {line}" for script in sorted(root.rglob("*.js"))
             for line in words(script.read_text(encoding="utf-8"))]
    assert not found, "Chinese words written into scripts (put them in the page's JSON of words):\n" + "\n".join(found)


@pytest.mark.parametrize("params, message", [
    ({"service_code": "parking,potholes"}, "Unknown service_code “potholes”."),
    ({"status": "pending"}, "status must be open or closed; got “pending”."),
    ({"page": "0"}, "page must be a whole number from 1 to"),
])
def test_open311_errors_follow_the_callers_language(client, world, params, message):
    from roundtable.open311.models import ApiKey

    _, key = ApiKey.issue(world.a.community.id, "12345 link")
    db.session.commit()
    query = "&".join(f"{name}={value}" for name, value in {"api_key": key, **params}.items())
    english = client.get(f"/open311/v2/requests.json?{query}", headers=EN)
    assert english.status_code == 400 and message in english.get_json()[0]["description"]
    chinese = client.get(f"/open311/v2/requests.json?{query}")
    assert not CJK.search(english.get_json()[0]["description"]) and CJK.search(chinese.get_json()[0]["description"])
