"""The bilingual sector taxonomy, edited by curators."""

import sqlalchemy as sa
from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ypmatch.extensions import db
from ypmatch.forms.cities import SectorForm
from ypmatch.forms.common import ConfirmForm
from ypmatch.models import Sector
from ypmatch.permissions import staff_required
from ypmatch.services.cities import create_sector
from ypmatch.services.records import ConflictError, update_record
from ypmatch.services.submissions import record_result
from ypmatch.views.records import (
    archive_or_restore,
    claim_form,
    render_history,
    report_conflict,
    restore_version_from_history,
)

blueprint = Blueprint("sectors", __name__, url_prefix="/sectors")


@blueprint.get("/")
def index():
    show_archived = (
        current_user.is_authenticated
        and current_user.is_staff
        and (request.args.get("archived") == "1")
    )
    sectors = db.session.scalars(
        sa.select(Sector)
        .where(Sector.archived_at.is_not(None) if show_archived else Sector.is_current)
        .order_by(Sector.id)
    ).all()
    return render_template(
        "sectors/index.html",
        sectors=sectors,
        show_archived=show_archived,
        confirm_form=ConfirmForm(),
    )


def _slug_taken(slug: str, exclude_id: int | None) -> bool:
    query = sa.select(Sector.id).where(Sector.slug == slug)
    if exclude_id is not None:
        query = query.where(Sector.id != exclude_id)
    return db.session.scalar(query) is not None


@blueprint.route("/new", methods=["GET", "POST"])
@staff_required
def create():
    form = SectorForm()
    if form.validate_on_submit():
        if form.slug.data and _slug_taken(form.slug.data, None):
            form.slug.errors.append(_("This code is in use already."))
        else:
            submission = claim_form(form)
            create_sector(
                {
                    "name_en": form.name_en.data,
                    "name_ja": form.name_ja.data,
                    "slug": form.slug.data or None,
                },
                current_user,
            )
            record_result(submission, url_for("sectors.index"))
            db.session.commit()
            flash(_("Sector added."), "success")
            return redirect(url_for("sectors.index"))
    status = 422 if form.is_submitted() else 200
    return render_template("sectors/form.html", form=form, sector=None), status


@blueprint.route("/<int:sector_id>/edit", methods=["GET", "POST"])
@staff_required
def edit(sector_id: int):
    sector = db.get_or_404(Sector, sector_id)
    form = SectorForm(obj=sector)
    if request.method == "GET":
        form.version.data = str(sector.version)
    other_change = None
    if form.validate_on_submit():
        data = {"name_en": form.name_en.data, "name_ja": form.name_ja.data}
        if form.slug.data and form.slug.data != sector.slug:
            if _slug_taken(form.slug.data, sector.id):
                form.slug.errors.append(_("This code is in use already."))
                return render_template("sectors/form.html", form=form, sector=sector), 422
            data["slug"] = form.slug.data
        try:
            update_record(sector, data, current_user, expected_version=form.expected_version())
        except ConflictError as error:
            other_change = report_conflict(error, form)
        else:
            db.session.commit()
            flash(_("Saved."), "success")
            return redirect(url_for("sectors.index"))
    status = 409 if other_change else (422 if form.is_submitted() else 200)
    return render_template(
        "sectors/form.html", form=form, sector=sector, other_change=other_change
    ), status


@blueprint.post("/<int:sector_id>/archive")
@staff_required
def archive(sector_id: int):
    return archive_or_restore(db.get_or_404(Sector, sector_id), False, url_for("sectors.index"))


@blueprint.post("/<int:sector_id>/restore")
@staff_required
def restore(sector_id: int):
    return archive_or_restore(db.get_or_404(Sector, sector_id), True, url_for("sectors.index"))


@blueprint.get("/<int:sector_id>/history")
@staff_required
def history(sector_id: int):
    sector = db.get_or_404(Sector, sector_id)
    return render_history(
        sector,
        sector.name_en,
        url_for("sectors.index"),
        restore_to=("sectors.restore_version", {"sector_id": sector.id}),
    )


# What "restore this version" puts back.
RESTORABLE_FIELDS = ("name_en", "name_ja")


@blueprint.post("/<int:sector_id>/history/<int:entry_id>/restore")
@staff_required
def restore_version(sector_id: int, entry_id: int):
    sector = db.get_or_404(Sector, sector_id)
    return restore_version_from_history(
        sector, entry_id, RESTORABLE_FIELDS, url_for("sectors.history", sector_id=sector.id)
    )
