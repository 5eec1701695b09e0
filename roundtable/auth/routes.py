"""Login, logout, language and community switch."""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, abort, current_app, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required, login_user, logout_user

from roundtable.auth.forms import LoginForm
from roundtable.auth.operations import authenticate
from roundtable.communities.context import current_membership, switch_community
from roundtable.extensions import db, limiter

bp = Blueprint("auth", __name__)


def _login_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


def _safe_next(target: str | None) -> str | None:
    """Only same-site relative paths: never an open redirect to another host."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target


@bp.route("/")
def index():
    if not current_user.is_authenticated:
        return redirect(url_for("auth.login"))
    return redirect(url_for("auth.home"))


@bp.route("/home")
@login_required
def home():
    """Send each person to where their work is."""
    membership = current_membership()
    if membership and membership.role in ("secretary", "auditor"):
        return redirect(url_for("cases.list_cases"))
    if current_user.is_admin:
        return redirect(url_for("admin.people"))
    return render_template("auth/home.html")


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"], error_message="登录尝试过于频繁,请稍后再试。")
def login():
    if current_user.is_authenticated:
        return redirect(url_for("auth.home"))
    form = LoginForm()
    if form.validate_on_submit():
        user = authenticate(form.username.data, form.password.data)
        if user is None:
            db.session.rollback()
            form.password.errors.append("用户名或密码不正确。")
        else:
            db.session.commit()
            login_user(user, remember=form.remember.data)
            return redirect(_safe_next(request.args.get("next")) or url_for("auth.home"))
    return render_template("auth/login.html", form=form), (400 if form.errors else 200)


@bp.route("/logout", methods=["POST"])
@login_required
def logout():
    logout_user()
    session.pop("community_id", None)
    return redirect(url_for("auth.login"))


@bp.route("/community/<int:community_id>", methods=["POST"])
@login_required
def switch(community_id: int):
    if not switch_community(community_id):
        abort(404)
    return redirect(url_for("auth.home"))


@bp.route("/language/<code>", methods=["POST"])
def language(code: str):
    if code in current_app.config["LANGUAGES"]:
        session["lang"] = code
        if current_user.is_authenticated:
            current_user.locale = code
            db.session.commit()
    return redirect(_safe_next(request.form.get("next")) or url_for("auth.index"))
