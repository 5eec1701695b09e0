"""The join link of an invitation and its QR code (drawn locally with segno, no network).

The link is absolute because it leaves the site: in an SMS, on paper, in a QR
code. PUBLIC_BASE_URL names the address residents reach; without it the
address of the current request is used.
"""
from __future__ import annotations

import segno
from flask import current_app, request, url_for
from flask_babel import gettext

from roundtable.meetings.models import Invitation


def public_url(endpoint: str, **values) -> str:
    base = current_app.config.get("PUBLIC_BASE_URL") or request.host_url
    return base.rstrip("/") + url_for(endpoint, **values)


def join_link(invitation: Invitation) -> str:
    return public_url("invite.join", token=invitation.token)


def join_qr(link: str) -> segno.QRCode:
    """Medium error correction survives a smudged printout; the code holds exactly ``link``."""
    return segno.make(link, error="m", micro=False)


def join_qr_svg(link: str, scale: int = 6) -> str:
    return join_qr(link).svg_inline(scale=scale, border=2, title=gettext("二维码"), omitsize=True)


def join_qr_svg_document(link: str, scale: int = 6) -> bytes:
    """A stand-alone SVG file (XML declaration and SVG namespace), which browsers show and <img> loads."""
    import io

    out = io.BytesIO()
    join_qr(link).save(out, kind="svg", scale=scale, border=2, title=gettext("二维码"), xmldecl=True, svgns=True)
    return out.getvalue()
