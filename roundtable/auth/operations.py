"""Account operations: they change data and flush, the caller commits."""
from __future__ import annotations

from sqlalchemy import select

from roundtable.auth.models import User
from roundtable.core.errors import Conflict, OperationError
from roundtable.core.time import utcnow
from roundtable.extensions import db

MIN_PASSWORD_LENGTH = 8


def authenticate(username: str, password: str) -> User | None:
    user = db.session.scalar(select(User).where(User.username == username.strip()))
    if user is None or not user.active or not user.check_password(password):
        return None
    user.last_login_at = utcnow()
    return user


def create_user(
    username: str,
    display_name: str,
    password: str,
    *,
    phone: str | None = None,
    is_admin: bool = False,
) -> User:
    username = username.strip()
    if not username or len(username) > 64:
        raise OperationError("用户名不能为空,且不超过64个字符。")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise OperationError(f"密码至少需要{MIN_PASSWORD_LENGTH}位。")
    if db.session.scalar(select(User.id).where(User.username == username)):
        raise Conflict(f"用户名「{username}」已被使用。")
    user = User(
        username=username,
        display_name=display_name.strip() or username,
        phone=phone or None,
        is_admin=is_admin,
    )
    user.set_password(password)
    db.session.add(user)
    db.session.flush()
    return user


def log_out_everywhere(user: User) -> None:
    """Invalidate every session cookie of this user (they must log in again)."""
    user.session_version = (user.session_version or 0) + 1
