"""The ``render_resolution`` job: WeasyPrint in the worker process, then the publication.

It runs in ``flask worker run`` (or ``roundtable.jobs.worker.run_one`` in
tests), never in the process serving live meetings: a resolution takes a
CPU-bound second or more, during which the GIL would stall every tally.
"""
from __future__ import annotations

import hashlib

import segno
from flask import current_app, render_template
from markupsafe import Markup

from roundtable.audit.anchor import EMBEDDED_NAME as ANCHOR_NAME
from roundtable.audit.anchor import checkpoint as audit_checkpoint
from roundtable.core.errors import OperationError
from roundtable.core.time import utcnow
from roundtable.extensions import db
from roundtable.jobs.registry import job_handler
from roundtable.live.models import STANCES
from roundtable.resolutions import operations, queries
from roundtable.resolutions.models import Resolution
from roundtable.resolutions.pdf import document_context, render_pdf

RECORD_NAME = "resolution.json"


def verification_url(resolution: Resolution, base_url: str = "") -> str:
    """Absolute when we know our public address (PUBLIC_BASE_URL, else the address the host used)."""
    operations.require_public_base_url()  # checked again when rendering: the setting may have changed
    base = current_app.config.get("PUBLIC_BASE_URL") or base_url or ""
    path = current_app.url_map.bind("localhost").build("resolutions.verify", {"id": resolution.id})
    return base.rstrip("/") + path


def qr_svg(url: str) -> Markup:
    """Inline SVG drawn by segno from our own URL: no image to fetch, so the fetcher stays closed."""
    return Markup(segno.make(url, error="m", micro=False).svg_inline(scale=4, border=2, title="核验二维码"))


def resolution_html(resolution: Resolution, published_at, base_url: str = "", audit_checkpoint=None) -> tuple[str, bytes, dict]:
    """The document's HTML, the embedded record's exact bytes and the record itself.

    ``audit_checkpoint`` (audit/anchor.py) is the audit chain's signed head at publication,
    printed on the last page and embedded beside the record.
    """
    record = queries.full_record(resolution, published_at)
    embedded = operations.record_bytes(record)
    url = verification_url(resolution, base_url)
    with document_context():
        html = render_template(
            "pdf/resolution.html",
            resolution=resolution,
            meeting=resolution.meeting,
            record=record,
            stances=STANCES,
            published_at=published_at,
            verify_url=url,
            qr_svg=qr_svg(url),
            record_sha256=hashlib.sha256(embedded).hexdigest(),
            reference=resolution.reference,
            title=record["resolution"]["title"],
            audit_checkpoint=audit_checkpoint,
        )
    return html, embedded, record


def render_resolution_document(
    resolution: Resolution, published_at, base_url: str = "", *, url_fetcher=None
) -> tuple[bytes, dict]:
    """The PDF/A-3b bytes and the record embedded in them, for ``published_at``.

    ``url_fetcher`` lets a test record what the document asked for.
    """
    anchor = audit_checkpoint()
    html, embedded, record = resolution_html(resolution, published_at, base_url, anchor)
    pdf = render_pdf(
        html,
        attachments=[
            (RECORD_NAME, embedded, "决议的机器可读记录(出席、表决、承诺)"),
            (ANCHOR_NAME, anchor.to_json().encode(), "发布时审计链的签名检查点(flask audit verify --anchor)"),
        ],
        url_fetcher=url_fetcher,
    )
    return pdf, record


@job_handler("render_resolution")
def render_resolution(context) -> str:
    resolution = db.session.get(Resolution, int(context.payload["resolution_id"]))
    if resolution is None or resolution.community_id != context.community_id:
        raise OperationError("找不到要发布的决议。")
    if resolution.is_frozen:
        raise OperationError("这份决议已经发布。")
    context.progress(10)
    resolution = db.session.get(Resolution, resolution.id)
    published_at = utcnow()
    pdf, record = render_resolution_document(resolution, published_at, context.payload.get("base_url", ""))
    context.progress(80)
    resolution = db.session.get(Resolution, resolution.id)
    operations.publish_rendered(resolution, pdf, record, published_at)
    return current_app.url_map.bind("localhost").build("resolutions.public_pdf", {"resolution_id": resolution.id})
