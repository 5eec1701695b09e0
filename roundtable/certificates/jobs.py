"""The ``render_certificate`` job: the numbered PDF, rendered in the worker process like resolutions.

WeasyPrint with Noto CJK takes a few hundred milliseconds for one page once
its fonts are loaded, and over a second for the first document of a process;
either would hold the GIL of a server process that serves live meetings, so
it runs in ``flask worker run`` (or ``run_one`` in tests).
"""
from __future__ import annotations

import hashlib
import io

import segno
from flask import current_app, render_template
from markupsafe import Markup

from roundtable.certificates.models import ISSUED, Certificate
from roundtable.core.errors import OperationError
from roundtable.core.time import utcnow
from roundtable.extensions import db
from roundtable.jobs.registry import JobContext, job_handler
from roundtable.resolutions.pdf import document_context, render_pdf


def check_url(certificate: Certificate, base_url: str = "") -> str:
    base = current_app.config.get("PUBLIC_BASE_URL") or base_url or ""
    path = current_app.url_map.bind("localhost").build("certificates.check", {"token": certificate.check_token})
    return base.rstrip("/") + path


def qr_svg(url: str) -> Markup:
    """Inline SVG from segno (inline: no namespace needed inside HTML; nothing to fetch)."""
    return Markup(segno.make(url, error="m", micro=False).svg_inline(scale=4, border=2, title="核验二维码"))


def qr_file(url: str) -> bytes:
    """A stand-alone SVG document: segno writes the XML declaration and ``xmlns`` (without the
    namespace an ``<img>`` shows nothing)."""
    buffer = io.BytesIO()
    segno.make(url, error="m", micro=False).save(buffer, kind="svg", scale=6, border=2, xmldecl=True, svgns=True,
                                                 title="核验二维码")
    return buffer.getvalue()


def certificate_html(certificate: Certificate, base_url: str = "") -> str:
    url = check_url(certificate, base_url)
    with document_context():
        return render_template(
            "pdf/certificate.html", certificate=certificate, kind=certificate.kind,
            resolution=certificate.kind.resolution, community=certificate.kind.community, check_url=url,
            qr_svg=qr_svg(url), rendered_at=utcnow(),
        )


def render_certificate_document(certificate: Certificate, base_url: str = "") -> bytes:
    return render_pdf(certificate_html(certificate, base_url))


@job_handler("render_certificate")
def render_certificate(context: JobContext) -> str:
    certificate = db.session.get(Certificate, int(context.payload["certificate_id"]))
    if certificate is None or certificate.community_id != context.community_id:
        raise OperationError("找不到要生成的证明。")
    if certificate.state != ISSUED:
        raise OperationError("这份证明没有出具。")
    pdf = render_certificate_document(certificate, context.payload.get("base_url", ""))
    certificate.pdf = pdf
    certificate.pdf_sha256 = hashlib.sha256(pdf).hexdigest()
    db.session.flush()
    return current_app.url_map.bind("localhost").build("certificates.pdf", {"certificate_id": certificate.id})
