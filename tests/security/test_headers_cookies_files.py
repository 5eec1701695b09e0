"""Headers, cookies, instance files and the published verification link, as an attacker would probe them."""
from __future__ import annotations

import os
import re
import stat
from pathlib import Path

import pytest

from roundtable import create_app
from roundtable.config import ProductionConfig, TestConfig
from roundtable.core.errors import OperationError

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"


@pytest.mark.parametrize("path", ["/login", "/j/no-such-token", "/verify", "/r/1.pdf", "/static/js/page.js", "/nowhere"])
def test_every_response_carries_the_security_headers(client, world, path):
    response = client.get(path)
    csp = response.headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in csp and "script-src 'self'" in csp and "unsafe-inline" not in csp.split("script-src")[1].split(";")[0]
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"


def test_no_template_has_an_inline_script_or_event_handler():
    offenders = []
    for template in TEMPLATES.rglob("*.html"):
        text = template.read_text(encoding="utf-8")
        for match in re.finditer(r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")[^>]*>", text):
            offenders.append(f"{template.name}: {match.group()}")
        for match in re.finditer(r"\son[a-z]+\s*=", text):
            offenders.append(f"{template.name}: {match.group()}")
        if "javascript:" in text:
            offenders.append(f"{template.name}: javascript: URL")
    assert not offenders, offenders


def test_production_cookies_are_secure_httponly_and_lax(tmp_path):
    app = create_app(ProductionConfig, SQLALCHEMY_DATABASE_URI="sqlite://", SECRET_KEY="k")
    for prefix in ("SESSION_COOKIE", "REMEMBER_COOKIE"):
        assert app.config[f"{prefix}_SECURE"] is True, prefix
        assert app.config[f"{prefix}_HTTPONLY"] is True, prefix
        assert app.config[f"{prefix}_SAMESITE"] == "Lax", prefix


def test_login_cookies_in_production_say_secure_httponly_samesite(world, app):
    app.config.update(SESSION_COOKIE_SECURE=True, REMEMBER_COOKIE_SECURE=True)
    client = app.test_client()
    response = client.post("/login", data={"username": "a_secretary", "password": "secret-pass-1", "remember": "y"},
                           base_url="https://localhost")
    cookies = response.headers.getlist("Set-Cookie")
    assert cookies
    for cookie in cookies:
        assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie, cookie


def test_the_sqlite_database_its_wal_and_the_instance_folder_are_private(tmp_path, monkeypatch):
    import roundtable.config as config
    from roundtable.extensions import db

    instance = tmp_path / "instance"
    monkeypatch.setattr(config, "INSTANCE_DIR", instance)
    old = os.umask(0o022)  # what a server usually runs with
    try:
        app = create_app(TestConfig, SQLALCHEMY_DATABASE_URI=f"sqlite:///{instance / 'roundtable.db'}")
        with app.app_context():
            db.create_all()
            db.session.execute(db.text("CREATE TABLE probe (x)"))
            db.session.commit()
            files = {p.name: stat.S_IMODE(p.stat().st_mode) for p in instance.iterdir()}
            db.engine.dispose()
        key = config._secret_key() if not os.environ.get("SECRET_KEY") else None
    finally:
        os.umask(old)
    assert stat.S_IMODE(instance.stat().st_mode) == 0o700
    assert files["roundtable.db"] == 0o600
    assert files.get("roundtable.db-wal", 0o600) == 0o600 and "roundtable.db-wal" in files
    if key is not None:
        assert stat.S_IMODE((instance / "secret_key").stat().st_mode) == 0o600


def test_publishing_in_production_needs_a_public_base_url(app, world):
    from roundtable.resolutions.operations import require_public_base_url

    app.config.update(REQUIRE_PUBLIC_BASE_URL=True, PUBLIC_BASE_URL="")
    with pytest.raises(OperationError) as refused:
        require_public_base_url()
    assert refused.value.code == "no_public_base_url"
    app.config["PUBLIC_BASE_URL"] = "https://yuanzhuo.example.cn"
    require_public_base_url()
