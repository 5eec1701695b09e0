"""Logging in: the right password gets in, the wrong one gets a Chinese message, and
guessing is slowed per address (flask-limiter) and per username (a lockout kept in the
database, so every server process sees it)."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from roundtable.auth.models import LoginAttempt
from roundtable.auth.operations import attempt_login
from roundtable.core.time import utcnow
from roundtable.extensions import db
from tests.factories import PASSWORD


def attempts(username: str) -> list[LoginAttempt]:
    return list(db.session.scalars(select(LoginAttempt).where(LoginAttempt.username == username).order_by(LoginAttempt.id)))


def login_from(client, address: str, username: str, password: str, **kwargs):
    return client.post(
        "/login", data={"username": username, "password": password}, environ_base={"REMOTE_ADDR": address}, **kwargs
    )


def test_resident_logs_in_and_the_success_is_recorded(client, auth, world):
    response = auth.login("a_resident")
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/home")
    assert client.get("/home").status_code == 200
    [attempt] = attempts("a_resident")
    assert attempt.succeeded and attempt.reason == "ok" and attempt.user_id == world.a.resident.id
    assert attempt.address == "127.0.0.1"


def test_wrong_password_is_refused_in_chinese_and_recorded(client, auth, world):
    response = auth.login("a_resident", "not-my-password")
    assert response.status_code == 400
    assert "用户名或密码不正确" in response.get_data(as_text=True)
    assert client.get("/home").status_code == 302  # still logged out
    [attempt] = attempts("a_resident")
    assert not attempt.succeeded and attempt.reason == "bad_password"


def test_unknown_username_gets_the_same_answer_as_a_wrong_password(auth, world):
    response = auth.login("nobody_here")
    assert response.status_code == 400
    assert "用户名或密码不正确" in response.get_data(as_text=True)
    assert attempts("nobody_here")[0].reason == "unknown_user"


def test_deactivated_account_is_told_so_only_with_the_right_password(auth, world):
    world.a.resident.active = False
    db.session.commit()
    assert "已停用" not in auth.login("a_resident", "a-wrong-guess").get_data(as_text=True)
    response = auth.login("a_resident")
    assert response.status_code == 400
    assert "该账号已停用" in response.get_data(as_text=True)
    assert [a.reason for a in attempts("a_resident")] == ["bad_password", "inactive"]


def test_one_address_is_slowed_down_with_a_chinese_page(client, world):
    # TestConfig allows 5 login posts a minute from one address.
    for _ in range(5):
        assert login_from(client, "10.1.1.1", "a_resident", "wrong-guess").status_code == 400
    response = login_from(client, "10.1.1.1", "a_resident", PASSWORD)
    assert response.status_code == 429
    assert "登录尝试过于频繁" in response.get_data(as_text=True)
    # a neighbour on another address is not affected
    assert login_from(client, "10.1.1.2", "a_secretary", PASSWORD).status_code == 302


def test_ten_failures_from_one_address_lock_that_address_out_of_that_username(client, world):
    for n in range(10):
        assert login_from(client, f"10.2.0.{n % 5}", "a_secretary", "guess-%d" % n).status_code in (400, 429)
    from roundtable.extensions import limiter

    limiter.reset()
    for n in range(10):
        attempt_login("a_secretary", "guess-%d" % n, "10.2.1.1")
    db.session.commit()
    response = login_from(client, "10.2.1.1", "a_secretary", PASSWORD)
    assert response.status_code == 400
    body = response.get_data(as_text=True)
    assert "该账号已暂时锁定" in body and "15 分钟后再试" in body
    assert attempts("a_secretary")[-1].reason == "locked"
    # the owner, from her own address, is not locked out by a stranger's guesses
    assert login_from(client, "10.2.1.2", "a_secretary", PASSWORD).status_code == 302
    # and the lock is on that username only
    assert login_from(client, "10.2.1.1", "a_resident", PASSWORD).status_code == 302


def test_the_lock_grows_for_an_address_that_keeps_guessing(app, world):
    start = utcnow() - timedelta(hours=3)
    for n in range(20):
        attempt_login("a_secretary", "wrong", "10.4.0.1", now=start + timedelta(seconds=n))
    after_20 = start + timedelta(seconds=19)
    assert attempt_login("a_secretary", PASSWORD, "10.4.0.1", now=after_20 + timedelta(minutes=20)).user is None
    assert attempt_login("a_secretary", PASSWORD, "10.4.0.1", now=after_20 + timedelta(minutes=31)).user is not None


def test_login_takes_as_long_for_an_unknown_user_as_for_a_known_one(app, world):
    import time

    from roundtable.auth import operations

    calls = []
    real = operations.check_password_hash
    operations.check_password_hash = lambda *args: calls.append(args) or real(*args)
    try:
        attempt_login("nobody-here", "whatever", "10.5.0.1")
        attempt_login("a_secretary", "whatever", "10.5.0.1")
    finally:
        operations.check_password_hash = real
    # the unknown user costs one password hash check like the known one (models.User.check_password)
    assert len(calls) == 1
    app.config["PASSWORD_HASH_METHOD"] = None  # the production hash, where the difference used to be 20×
    try:
        operations._DUMMY_HASHES.clear()
        from roundtable.auth.models import User

        user = db.session.scalar(db.select(User).where(User.username == "a_secretary"))
        user.set_password("secret-pass-1")
        db.session.commit()
        attempt_login("warm-up", "x", "10.5.0.2")
        timings = {"known": [], "unknown": []}
        for _ in range(3):
            for name, username in (("known", "a_secretary"), ("unknown", "no-such-user")):
                began = time.perf_counter()
                attempt_login(username, "wrong-password", "10.5.0.3")
                timings[name].append(time.perf_counter() - began)
        known, unknown = min(timings["known"]), min(timings["unknown"])
        assert 0.5 < unknown / known < 2, timings
    finally:
        app.config["PASSWORD_HASH_METHOD"] = "pbkdf2:sha256:1000"


def test_the_lock_ends_fifteen_minutes_after_the_last_failure(app, world):
    start = utcnow() - timedelta(minutes=30)
    for n in range(10):
        attempt_login("a_secretary", "wrong", "10.3.0.1", now=start + timedelta(minutes=n))
    locked = start + timedelta(minutes=9 + 14)
    assert attempt_login("a_secretary", PASSWORD, "10.3.0.1", now=locked).user is None
    free = start + timedelta(minutes=9 + 15, seconds=1)
    assert attempt_login("a_secretary", PASSWORD, "10.3.0.1", now=free).user is not None


def test_failures_spread_over_more_than_the_window_do_not_lock(app, world):
    start = utcnow() - timedelta(hours=1)
    for n in range(10):
        attempt_login("a_secretary", "wrong", now=start + timedelta(minutes=2 * n))
    assert attempt_login("a_secretary", PASSWORD, now=start + timedelta(minutes=19)).user is not None


def test_a_successful_login_starts_the_count_afresh(app, world):
    start = utcnow() - timedelta(minutes=10)
    for n in range(9):
        attempt_login("a_secretary", "wrong", now=start + timedelta(seconds=n))
    assert attempt_login("a_secretary", PASSWORD, now=start + timedelta(seconds=20)).user is not None
    attempt_login("a_secretary", "wrong", now=start + timedelta(seconds=30))
    assert attempt_login("a_secretary", PASSWORD, now=start + timedelta(seconds=40)).user is not None


def test_next_parameter_never_leads_to_another_site(client, world):
    for target in ("//evil.example/", "https://evil.example/", "/\\evil.example", "javascript:alert(1)"):
        response = client.post(f"/login?next={target}", data={"username": "a_resident", "password": PASSWORD})
        assert response.status_code == 302
        assert response.headers["Location"] == "/home", target
        client.post("/logout")


def test_next_parameter_returns_to_a_page_of_this_site(client, world):
    response = client.post("/login?next=/account/password", data={"username": "a_resident", "password": PASSWORD})
    assert response.headers["Location"] == "/account/password"


def test_language_choice_follows_the_person_to_a_new_device(app, world):
    phone = app.test_client()
    phone.post("/login", data={"username": "a_resident", "password": PASSWORD})
    phone.post("/language/en", data={"next": "/home"})
    assert 'lang="en"' in phone.get("/home").get_data(as_text=True)

    computer = app.test_client()
    assert 'lang="zh-CN"' in computer.get("/login").get_data(as_text=True)
    computer.post("/login", data={"username": "a_resident", "password": PASSWORD})
    assert 'lang="en"' in computer.get("/home").get_data(as_text=True)
