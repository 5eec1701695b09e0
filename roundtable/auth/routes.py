"""Login, logout, password change, language and community switch."""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, abort, current_app, redirect, render_template, request, session, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user

from roundtable.auth.forms import ChangePasswordForm, LoginForm
from roundtable.auth.home import staff_waiting
from roundtable.auth.operations import attempt_login, change_password, log_out_everywhere
from roundtable.communities.context import current_membership, switch_community
from roundtable.communities.permissions import can_administer, can_read_cases
from roundtable.core.actions import act
from roundtable.core.login import login_required
from roundtable.extensions import db, limiter

bp = Blueprint("auth", __name__)


def _login_limit() -> str:
    return str(current_app.config["LOGIN_RATE_LIMIT"])


def _safe_next(target: str | None) -> str | None:
    """Only same-site relative paths: never an open redirect to another host.

    Browsers read ``/\\evil.example`` like ``//evil.example``, so a backslash is
    refused too.
    """
    if not target or "\\" in target or any(ord(ch) < 32 for ch in target):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target


@bp.route("/")
def index() -> ResponseReturnValue:
    if not current_user.is_authenticated:
        return redirect(url_for("auth.login"))
    return redirect(url_for("auth.home"))


@bp.route("/home")
@login_required
def home() -> ResponseReturnValue:
    """Send each person to where their work is."""
    membership = current_membership()
    if membership and can_read_cases(current_user, membership.community_id):
        return redirect(url_for("cases.list_cases"))
    if can_administer(current_user):
        return redirect(url_for("admin.people"))
    return render_template("auth/home.html", waiting=staff_waiting(current_user))


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"], error_message="登录尝试过于频繁,请稍后再试。")
def login() -> ResponseReturnValue:
    if current_user.is_authenticated:
        return redirect(url_for("auth.home"))
    form = LoginForm()
    if form.validate_on_submit():
        outcome = attempt_login(form.username.data, form.password.data, request.remote_addr or "")
        db.session.commit()
        if outcome.user is None:
            form.password.errors.append(outcome.message)
        else:
            login_user(outcome.user, remember=form.remember.data)
            return redirect(_safe_next(request.args.get("next")) or url_for("auth.home"))
    return render_template("auth/login.html", form=form), (400 if form.errors else 200)


@bp.route("/logout", methods=["POST"])
@login_required
def logout() -> ResponseReturnValue:
    """Logging out also voids copies of this cookie (and of a remember-me cookie) wherever they are."""
    log_out_everywhere(current_user._get_current_object())
    db.session.commit()
    logout_user()
    session.pop("community_id", None)
    return redirect(url_for("auth.login"))


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def password() -> ResponseReturnValue:
    form = ChangePasswordForm()
    if form.validate_on_submit():
        user = current_user._get_current_object()
        done = _("密码已修改。其他设备上的登录已失效。")
        if act(lambda: change_password(user, form.old_password.data, form.new_password.data), done, field=form.old_password):
            login_user(user)  # this browser carries on with the new session version
            return redirect(url_for("auth.home"))
    return render_template("auth/password.html", form=form), (400 if form.errors else 200)


@bp.route("/community/<int:community_id>", methods=["POST"])
@login_required
def switch(community_id: int) -> ResponseReturnValue:
    if not switch_community(community_id):
        abort(404)
    return redirect(url_for("auth.home"))


@bp.route("/language/<code>", methods=["POST"])
def language(code: str) -> ResponseReturnValue:
    if code in current_app.config["LANGUAGES"]:
        session["lang"] = code
        if current_user.is_authenticated:
            current_user.locale = code
            db.session.commit()
    return redirect(_safe_next(request.form.get("next")) or url_for("auth.index"))
