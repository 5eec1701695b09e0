"""Case import pages: upload and check, read the report, then import or discard."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import ngettext
from flask_login import current_user
from sqlalchemy.exc import IntegrityError

from roundtable.cases.models import CATEGORIES, ImportBatch
from roundtable.cases.validation import CaseFields
from roundtable.communities.context import community_of_request, community_required
from roundtable.communities.permissions import can_manage_case, can_manage_cases
from roundtable.core.actions import act
from roundtable.core.errors import OperationError
from roundtable.core.permissions import load_or_404
from roundtable.extensions import db
from roundtable.imports.forms import ConfirmForm, UploadForm
from roundtable.imports.operations import (
    DUPLICATE,
    ERROR,
    check_file,
    discard_batch,
    import_batch,
    max_upload_bytes,
)
from roundtable.imports.parsers import FORMATS
from roundtable.imports.queries import recent_batches

bp = Blueprint("imports", __name__, url_prefix="/cases/import")

PREVIEW_ROWS = 50


@bp.route("/", methods=["GET", "POST"])
@community_required(can=can_manage_cases)
def upload():
    form = UploadForm()
    limit = max_upload_bytes()
    if form.validate_on_submit():
        upload = form.file.data
        batch = act(
            lambda: check_file(
                community_of_request(), current_user, upload.filename, upload.read(limit + 1), form.file_format.data
            ),
            "",
            field=form.file,
        )
        if isinstance(batch, ImportBatch):
            return redirect(url_for("imports.preview", batch_id=batch.id))
    batches = recent_batches(community_of_request())
    page = render_template("imports/upload.html", form=form, batches=batches, formats=FORMATS, max_kb=limit // 1024)
    return page, (400 if form.errors else 200)


@bp.route("/<int:batch_id>")
@community_required(can=can_manage_cases)
def preview(batch_id: int):
    batch = load_or_404(ImportBatch, batch_id, can=can_manage_case)
    rows = [(row["line"], CaseFields.from_dict(row["fields"])) for row in batch.valid_rows[:PREVIEW_ROWS]]
    return render_template(
        "imports/preview.html",
        batch=batch,
        form=ConfirmForm(),
        rows=rows,
        errors=[line for line in batch.errors if line["kind"] == ERROR],
        duplicates=[line for line in batch.errors if line["kind"] == DUPLICATE],
        categories=CATEGORIES,
        formats=FORMATS,
    )


@bp.route("/<int:batch_id>/confirm", methods=["POST"])
@community_required(can=can_manage_cases)
def confirm(batch_id: int):
    batch = load_or_404(ImportBatch, batch_id, can=can_manage_case)
    try:
        created = import_batch(batch, current_user)
        db.session.commit()
    except OperationError as exc:
        db.session.rollback()
        flash(exc.message, "error")
    except IntegrityError:
        # Someone filed one of these numbers at the same moment: nothing of this import was kept.
        db.session.rollback()
        flash("导入时有工单编号刚被其他人登记,本次没有导入任何工单,请重新检查后再导入。", "error")
    else:
        flash(ngettext("已导入 %(num)d 条工单。", "已导入 %(num)d 条工单。", created), "success")
    return redirect(url_for("imports.preview", batch_id=batch_id))


@bp.route("/<int:batch_id>/discard", methods=["POST"])
@community_required(can=can_manage_cases)
def discard(batch_id: int):
    batch = load_or_404(ImportBatch, batch_id, can=can_manage_case)
    if not act(lambda: discard_batch(batch), "已放弃这次导入,没有写入任何工单。"):
        return redirect(url_for("imports.preview", batch_id=batch_id))
    return redirect(url_for("imports.upload"))
