"""Pages load every script and stylesheet from our own static files: no CDN, nothing missing."""
from __future__ import annotations

import re
from pathlib import Path

STATIC = Path(__file__).resolve().parent.parent / "static"
REFERENCE = re.compile(r'<(?:script|link)[^>]+(?:src|href)="([^"]+)"')


def test_login_page_assets_are_local_and_present(client):
    html = client.get("/login").get_data(as_text=True)
    references = REFERENCE.findall(html)
    assert references, "the page references no stylesheet at all"
    for reference in references:
        assert reference.startswith("/static/"), f"{reference} is not one of our static files"
        assert (STATIC / reference.removeprefix("/static/")).is_file(), f"{reference} is missing (run make)"


def test_socketio_client_is_built_from_the_npm_lock_file():
    """The live pages need the Socket.IO client; the set-up copies it from node_modules."""
    assert (STATIC / "vendor" / "socket.io.min.js").is_file()
