"""Bulk import for curators (upload → preview → confirm), templates, and list exports.

Every list page links here to export what it shows: the same filters and the same
visibility rules as the list, so nobody exports what they could not see.
"""

from datetime import date

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from ypmatch.extensions import db
from ypmatch.forms.common import ConfirmForm
from ypmatch.forms.imports import IMPORT_KINDS, ImportConfirmForm, ImportUploadForm
from ypmatch.permissions import staff_required
from ypmatch.services.companies import companies_query
from ypmatch.services.exports.dataset import export_bytes, export_filename
from ypmatch.services.exports.templates import template_file
from ypmatch.services.exports.writers import WRITERS
from ypmatch.services.imports import import_file
from ypmatch.services.imports.uploads import (
    delete_upload,
    find_upload,
    save_upload,
    upload_file,
)
from ypmatch.services.missions import visible_missions
from ypmatch.services.needs import needs_query
from ypmatch.views.companies import filters_from_request as company_filters
from ypmatch.views.needs import filters_from_request as need_filters
from ypmatch.views.outcomes import outcomes_query

blueprint = Blueprint("imports", __name__)
SHOWN_ROWS = 500
SHOWN_ERRORS = 200
LIST_PAGES = {"companies": "companies.index", "needs": "needs.index"}
RECORD_KINDS = {"companies": ("company", "technology"), "needs": ("need",)}
RECORD_LABELS = {"company": _l("Company"), "technology": _l("Technology"), "need": _l("Need")}
ACTION_LABELS = {
    "create": _l("create"),
    "update": _l("update"),
    "unchanged": _l("unchanged"),
    "same": _l("as in row %(row)s"),
}
# Query parameters a list passes on to its export: its filters, never url_for's own.
NOT_FILTERS = {"page", "file_format"}


@blueprint.app_context_processor
def export_link_helper() -> dict:
    def export_url(endpoint: str, file_format: str) -> str:
        filters = {
            key: value
            for key, value in request.args.items()
            if key not in NOT_FILTERS and not key.startswith("_")
        }
        return url_for(endpoint, file_format=file_format, **filters)

    return {"export_url": export_url}


def action_label(action) -> str:
    label = ACTION_LABELS[action.action]
    return str(label) % {"row": action.same_as_row} if action.action == "same" else str(label)


def _download(content: bytes, filename: str, file_format: str) -> Response:
    response = Response(content, content_type=WRITERS[file_format].mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "no-store"
    return response


def _language() -> str:
    return "ja" if str(get_locale()) == "ja" else "en"


# -- import ---------------------------------------------------------------------------


@blueprint.route("/imports/", methods=["GET", "POST"])
@staff_required
def index():
    form = ImportUploadForm()
    if form.validate_on_submit():
        upload = save_upload(form.file.data, form.kind.data, current_user.id)
        db.session.commit()
        return redirect(url_for("imports.preview", token=upload.token))
    status = 422 if form.is_submitted() else 200
    return render_template("imports/index.html", form=form, kinds=IMPORT_KINDS), status


def _stored(token: str):
    upload = find_upload(token, current_user.id)
    if upload is None:
        abort(404)
    return upload


def _render_preview(upload, report, status: int = 200):
    return render_template(
        "imports/preview.html",
        upload=upload,
        report=report,
        kind_label=IMPORT_KINDS[upload.kind],
        confirm_form=ImportConfirmForm(digest=report.digest),
        record_kinds=RECORD_KINDS[upload.kind],
        record_labels=RECORD_LABELS,
        action_label=action_label,
        shown_rows=SHOWN_ROWS,
        shown_errors=SHOWN_ERRORS,
    ), status


@blueprint.get("/imports/<token>")
@staff_required
def preview(token: str):
    upload = _stored(token)
    with upload_file(upload) as path:
        report = import_file(upload.kind, path, upload.filename, current_user, apply=False)
    db.session.rollback()  # a dry run only reads; end its transaction
    if report.refused:
        delete_upload(upload.token)
        db.session.commit()
    return _render_preview(upload, report, 200 if report.ok else 422)


@blueprint.post("/imports/<token>/confirm")
@staff_required
def confirm(token: str):
    upload = _stored(token)
    form = ImportConfirmForm()
    if not form.validate_on_submit():
        flash(_("The request could not be checked; nothing was imported."), "error")
        return redirect(url_for("imports.preview", token=upload.token))
    with upload_file(upload) as path:
        report = import_file(
            upload.kind,
            path,
            upload.filename,
            current_user,
            apply=True,
            expected_digest=form.digest.data,
        )
    if not report.ok:
        db.session.rollback()
        flash(report.refused or _("The file has errors; nothing was imported."), "error")
        return redirect(url_for("imports.preview", token=upload.token))
    delete_upload(upload.token)
    db.session.commit()
    flash(
        _(
            "Imported %(file)s: %(created)d created, %(updated)d updated, %(unchanged)d unchanged.",
            file=upload.filename,
            created=report.total("create"),
            updated=report.total("update"),
            unchanged=report.total("unchanged"),
        ),
        "success",
    )
    return redirect(url_for(LIST_PAGES[upload.kind]))


@blueprint.post("/imports/<token>/discard")
@staff_required
def discard(token: str):
    upload = _stored(token)
    if ConfirmForm().validate_on_submit():
        delete_upload(upload.token)
        db.session.commit()
        flash(_("The uploaded file was discarded; nothing was imported."), "success")
    return redirect(url_for("imports.index"))


@blueprint.get("/imports/templates/<kind>.<file_format>")
@staff_required
def template(kind: str, file_format: str):
    if kind not in IMPORT_KINDS or file_format not in WRITERS:
        abort(404)
    language = request.args.get("headers", _language())
    language = language if language in ("en", "ja") else "en"
    content = template_file(kind, file_format, language)
    return _download(content, f"ypmatch-{kind}-template-{language}.{file_format}", file_format)


# -- list exports ---------------------------------------------------------------------


def _export(kind: str, query, file_format: str) -> Response:
    if file_format not in WRITERS:
        abort(404)
    content = export_bytes(kind, query, file_format, _language())
    return _download(content, export_filename(kind, file_format, date.today()), file_format)


@blueprint.get("/exports/needs.<file_format>")
def export_needs(file_format: str):
    return _export("needs", needs_query(current_user, need_filters()), file_format)


@blueprint.get("/exports/companies.<file_format>")
def export_companies(file_format: str):
    return _export("companies", companies_query(current_user, company_filters()), file_format)


@blueprint.get("/exports/missions.<file_format>")
@staff_required
def export_missions(file_format: str):
    return _export("missions", visible_missions(current_user), file_format)


@blueprint.get("/exports/outcomes.<file_format>")
@staff_required
def export_outcomes(file_format: str):
    return _export("outcomes", outcomes_query(), file_format)
