"""Partner cities, curated by the bureau."""

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ypmatch.extensions import db
from ypmatch.forms.cities import CityForm
from ypmatch.forms.common import ConfirmForm
from ypmatch.models import Mission, Need, PartnerCity
from ypmatch.permissions import (
    staff_required,
    visible_missions_condition,
    visible_needs_condition,
)
from ypmatch.services.cities import create_city, update_city
from ypmatch.services.records import ConflictError
from ypmatch.services.submissions import record_result
from ypmatch.views.records import (
    archive_or_restore,
    claim_form,
    render_history,
    report_conflict,
    restore_version_from_history,
)

blueprint = Blueprint("cities", __name__, url_prefix="/cities")


@blueprint.get("/")
def index():
    show_archived = (
        current_user.is_authenticated
        and current_user.is_staff
        and (request.args.get("archived") == "1")
    )
    cities = db.session.scalars(
        sa.select(PartnerCity)
        .where(PartnerCity.archived_at.is_not(None) if show_archived else PartnerCity.is_current)
        .order_by(PartnerCity.relationship_date, PartnerCity.name_en)
    ).all()
    return render_template("cities/index.html", cities=cities, show_archived=show_archived)


def _get_city(city_id: int) -> PartnerCity:
    city = db.get_or_404(PartnerCity, city_id)
    if city.is_archived and not (current_user.is_authenticated and current_user.is_staff):
        abort(404)
    return city


@blueprint.get("/<int:city_id>")
def show(city_id: int):
    city = _get_city(city_id)
    needs = db.session.scalars(
        sa.select(Need)
        .where(Need.city_id == city.id, Need.is_current)
        .where(visible_needs_condition(current_user))
        .order_by(Need.updated_at.desc())
    ).all()
    missions = (
        db.session.scalars(
            sa.select(Mission)
            .where(
                Mission.city_id == city.id,
                Mission.is_current,
                visible_missions_condition(current_user),
            )
            .order_by(Mission.start_date.desc(), Mission.id.desc())
        ).all()
        if current_user.is_authenticated
        else []
    )
    return render_template(
        "cities/show.html", city=city, needs=needs, missions=missions, confirm_form=ConfirmForm()
    )


@blueprint.route("/new", methods=["GET", "POST"])
@staff_required
def create():
    form = CityForm()
    if form.validate_on_submit():
        submission = claim_form(form)
        city = create_city(form.city_data(), current_user)
        target = url_for("cities.show", city_id=city.id)
        record_result(submission, target)
        db.session.commit()
        flash(_("City %(name)s added.", name=city.name_en), "success")
        return redirect(target)
    status = 422 if form.is_submitted() else 200
    return render_template("cities/form.html", form=form, city=None), status


@blueprint.route("/<int:city_id>/edit", methods=["GET", "POST"])
@staff_required
def edit(city_id: int):
    city = db.get_or_404(PartnerCity, city_id)
    form = CityForm(obj=city)
    if request.method == "GET":
        form.version.data = str(city.version)
    other_change = None
    if form.validate_on_submit():
        try:
            update_city(city, form.city_data(), current_user, form.expected_version())
        except ConflictError as error:
            other_change = report_conflict(error, form)
        else:
            db.session.commit()
            flash(_("Saved."), "success")
            return redirect(url_for("cities.show", city_id=city.id))
    status = 409 if other_change else (422 if form.is_submitted() else 200)
    return render_template(
        "cities/form.html", form=form, city=city, other_change=other_change
    ), status


@blueprint.post("/<int:city_id>/archive")
@staff_required
def archive(city_id: int):
    city = db.get_or_404(PartnerCity, city_id)
    return archive_or_restore(city, False, url_for("cities.show", city_id=city.id))


@blueprint.post("/<int:city_id>/restore")
@staff_required
def restore(city_id: int):
    city = db.get_or_404(PartnerCity, city_id)
    return archive_or_restore(city, True, url_for("cities.show", city_id=city.id))


@blueprint.get("/<int:city_id>/history")
@staff_required
def history(city_id: int):
    city = db.get_or_404(PartnerCity, city_id)
    return render_history(
        city,
        city.name_en,
        url_for("cities.show", city_id=city.id),
        restore_to=("cities.restore_version", {"city_id": city.id}),
    )


# What "restore this version" puts back.
RESTORABLE_FIELDS = (
    "name_en",
    "name_ja",
    "country_code",
    "region",
    "relationship",
    "relationship_date",
    "population",
    "latitude",
    "longitude",
    "notes",
)


@blueprint.post("/<int:city_id>/history/<int:entry_id>/restore")
@staff_required
def restore_version(city_id: int, entry_id: int):
    city = db.get_or_404(PartnerCity, city_id)
    return restore_version_from_history(
        city, entry_id, RESTORABLE_FIELDS, url_for("cities.history", city_id=city.id)
    )
