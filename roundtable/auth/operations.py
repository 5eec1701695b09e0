"""Account operations: they change data and flush, the caller commits."""
from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app, has_app_context
from flask_babel import gettext
from sqlalchemy import func, select
from werkzeug.security import check_password_hash, generate_password_hash

from roundtable.auth.models import LoginAttempt, User
from roundtable.core.errors import Conflict, NotAllowed, OperationError
from roundtable.core.privacy import is_valid_phone, normalize_phone
from roundtable.core.time import utcnow
from roundtable.extensions import db

MIN_PASSWORD_LENGTH = 8
MAX_NAME_LENGTH = 64

# Defaults for the per-username lockout; the config keys of the same name override them.
LOGIN_LOCKOUT_FAILURES = 10
LOGIN_LOCKOUT_WINDOW_MINUTES = 15
LOGIN_LOCKOUT_MINUTES = 15

BAD_CREDENTIALS = "用户名或密码不正确。"


def _setting(name: str, default: int) -> int:
    if has_app_context():
        return int(current_app.config.get(name, default))
    return default


LOCKED = "登录失败次数过多,该账号已暂时锁定,请 %(minutes)s 分钟后再试。"


@dataclass
class LoginOutcome:
    """What a login attempt came to: the user on success, else the message to show."""

    user: User | None
    message: str = ""


def locked_until(username: str, address: str = "", now: datetime | None = None) -> datetime | None:
    """When the lockout of ``username`` *from* ``address`` ends, or None if it may try now.

    Locked: the last N counted failures of this username from this address since
    the last success fell within the window, and the newest of them is less than
    the lock duration ago. The lock is per username *and* address, so a stranger
    elsewhere who types wrong passwords locks only himself out, never the
    account's owner; and it grows: every further N failures from the same address
    within a day double the duration (15 min, 30, 60, … at most a day). Refusals
    during a lock are not counted, so that it ends on time even while someone
    keeps hammering (but they count toward the doubling).
    """
    now = now or utcnow()
    address = (address or "")[:45]
    limit = _setting("LOGIN_LOCKOUT_FAILURES", LOGIN_LOCKOUT_FAILURES)
    window = timedelta(minutes=_setting("LOGIN_LOCKOUT_WINDOW_MINUTES", LOGIN_LOCKOUT_WINDOW_MINUTES))
    duration = timedelta(minutes=_setting("LOGIN_LOCKOUT_MINUTES", LOGIN_LOCKOUT_MINUTES))
    pair = (LoginAttempt.username == username, LoginAttempt.address == address)
    last_success = db.session.scalar(select(func.max(LoginAttempt.at)).where(*pair, LoginAttempt.succeeded))
    counted = [*pair, LoginAttempt.succeeded.is_(False), LoginAttempt.reason != "locked"]
    if last_success is not None:
        counted.append(LoginAttempt.at > last_success)
    refused = [*pair, LoginAttempt.succeeded.is_(False)] + counted[4:]  # locked refusals too: hammering prolongs
    day = db.session.scalar(select(func.count(LoginAttempt.id)).where(*refused, LoginAttempt.at > now - timedelta(days=1))) or 0
    if day < limit:
        return None
    doublings = min(day // limit - 1, 7)
    lock = min(duration * (2**doublings), timedelta(days=1))
    failures = list(db.session.scalars(
        select(LoginAttempt.at).where(*counted).order_by(LoginAttempt.at.desc()).limit(limit)
    ))
    if len(failures) < limit or failures[0] - failures[-1] > window:
        return None
    until = failures[0] + lock
    return until if until > now else None


_DUMMY_HASHES: dict[str, str] = {}


def _spend_a_password_check(password: str) -> None:
    """The same work as checking a real account's password, so that timing does not tell
    whether a username exists (or is locked)."""
    method = current_app.config.get("PASSWORD_HASH_METHOD") if has_app_context() else None
    key = method or "default"
    if key not in _DUMMY_HASHES:
        _DUMMY_HASHES[key] = generate_password_hash("not-a-password", **({"method": method} if method else {}))
    check_password_hash(_DUMMY_HASHES[key], password or "")


def attempt_login(username: str, password: str, address: str = "", now: datetime | None = None) -> LoginOutcome:
    """Try a login from the form and record the attempt, whatever its outcome.

    Unlike other operations this one writes even when it refuses: the refusal is
    the record. The caller commits in both cases.
    """
    now = now or utcnow()
    username = username.strip()[:MAX_NAME_LENGTH]
    user = db.session.scalar(select(User).where(User.username == username))
    until = locked_until(username, address, now)
    if until is not None:
        _spend_a_password_check(password)
        minutes = max(1, math.ceil((until - now).total_seconds() / 60))
        outcome = LoginOutcome(None, gettext(LOCKED, minutes=minutes))
        reason = "locked"
    elif user is None:
        _spend_a_password_check(password)
        outcome, reason = LoginOutcome(None, BAD_CREDENTIALS), "unknown_user"
    elif not user.check_password(password):
        outcome, reason = LoginOutcome(None, BAD_CREDENTIALS), "bad_password"
    elif not user.active:
        # Only someone who knows the password learns that the account is switched off.
        outcome, reason = LoginOutcome(None, "该账号已停用,请联系管理员。"), "inactive"
    else:
        user.last_login_at = now
        outcome, reason = LoginOutcome(user), "ok"
    db.session.add(
        LoginAttempt(
            at=now,
            username=username,
            user_id=user.id if user else None,
            address=(address or "")[:45],
            succeeded=outcome.user is not None,
            reason=reason,
        )
    )
    db.session.flush()
    return outcome


def _clean_display_name(display_name: str, fallback: str) -> str:
    display_name = (display_name or "").strip() or fallback
    if len(display_name) > MAX_NAME_LENGTH:
        raise OperationError("显示名不能超过%(max)d个字符。", max=MAX_NAME_LENGTH)
    return display_name


def _clean_phone(phone: str | None) -> str | None:
    if not phone or not phone.strip():
        return None
    phone = normalize_phone(phone)
    if not is_valid_phone(phone):
        raise OperationError("手机号码格式不正确(7到15位数字)。")
    return phone


def _check_password_strength(password: str) -> None:
    if len(password or "") < MIN_PASSWORD_LENGTH:
        raise OperationError("密码至少需要%(min)d位。", min=MIN_PASSWORD_LENGTH)


def create_user(
    username: str,
    display_name: str,
    password: str,
    *,
    phone: str | None = None,
    is_admin: bool = False,
) -> User:
    username = (username or "").strip()
    if not username or len(username) > MAX_NAME_LENGTH:
        raise OperationError("用户名不能为空,且不超过64个字符。")
    if any(ch.isspace() for ch in username):
        raise OperationError("用户名不能包含空格。")
    _check_password_strength(password)
    display_name = _clean_display_name(display_name, username)
    phone = _clean_phone(phone)
    if db.session.scalar(select(User.id).where(User.username == username)):
        raise Conflict("用户名「%(username)s」已被使用。", username=username)
    user = User(username=username, display_name=display_name, phone=phone, is_admin=is_admin)
    user.set_password(password)
    db.session.add(user)
    db.session.flush()
    return user


def update_user(user: User, *, display_name: str, phone: str | None, is_admin: bool, actor: User | None = None) -> None:
    """Change what an administrator may change about a person.

    Taking the admin flag away ends that person's sessions; an administrator
    cannot take it from herself, so that the platform never loses its last admin
    by a slip of the mouse.
    """
    display_name = _clean_display_name(display_name, user.username)
    phone = _clean_phone(phone)
    if actor is not None and actor.id == user.id and user.is_admin and not is_admin:
        raise NotAllowed("不能取消自己的管理员权限。")
    lost_admin = user.is_admin and not is_admin
    user.display_name = display_name
    user.phone = phone
    user.is_admin = is_admin
    if lost_admin:
        log_out_everywhere(user)
    db.session.flush()


def set_user_password(user: User, password: str) -> None:
    """A new password (admin reset or CLI); every open session of the person ends."""
    _check_password_strength(password)
    user.set_password(password)
    db.session.flush()


def change_password(user: User, old_password: str, new_password: str) -> None:
    """The person's own change: proves the old password first; other sessions end."""
    if not user.check_password(old_password or ""):
        raise OperationError("原密码不正确。")
    if old_password == new_password:
        raise OperationError("新密码不能与原密码相同。")
    set_user_password(user, new_password)


def deactivate_user(user: User, actor: User | None = None) -> None:
    """Switch an account off: login refused and every session ends at once."""
    if actor is not None and actor.id == user.id:
        raise NotAllowed("不能停用自己的账号。")
    user.active = False
    log_out_everywhere(user)
    db.session.flush()


def reactivate_user(user: User) -> None:
    """Switch an account back on; sessions from before the deactivation stay dead."""
    user.active = True
    db.session.flush()


def log_out_everywhere(user: User) -> None:
    """Invalidate every session cookie of this user (they must log in again)."""
    user.session_version = (user.session_version or 0) + 1
