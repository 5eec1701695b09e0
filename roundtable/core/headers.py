"""Security headers on every response.

- ``Content-Security-Policy``: scripts only from our own static files (no inline
  script, no ``on…=`` handler: page behaviour lives in static/js), nothing
  framed (``frame-ancestors 'none'``), forms post only to us, no plugins. Styles
  also come from our files; inline ``style`` attributes are allowed because the
  QR codes' SVG carries them (a style cannot run code).
- ``X-Frame-Options: DENY`` for browsers without CSP level 2, ``X-Content-Type-Options:
  nosniff``, and ``Referrer-Policy: same-origin``: a bearer link (``/j/<token>``,
  ``/watch/<token>``) is never sent to another site as a referrer.
"""
from __future__ import annotations

from flask import Flask

CONTENT_SECURITY_POLICY = "; ".join((
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data:",
    "font-src 'self'",
    "connect-src 'self' ws: wss:",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
))

SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}


def add_security_headers(response):
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    return response


def install_security_headers(app: Flask) -> None:
    app.after_request(add_security_headers)
