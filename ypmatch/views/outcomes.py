"""Outcomes of pairs, and the KPI dashboard against the city's targets."""

from datetime import date

import sqlalchemy as sa
from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user

from ypmatch.extensions import db
from ypmatch.forms.common import as_choices
from ypmatch.forms.filters import record_id
from ypmatch.forms.missions import OutcomeForm
from ypmatch.models import (
    Company,
    Mission,
    Need,
    Outcome,
)
from ypmatch.permissions import staff_required
from ypmatch.services.outcomes import (
    WINDOW_YEARS,
    OutcomeError,
    fiscal_year,
    kpi_report,
    record_outcome,
    update_outcome,
)
from ypmatch.services.records import ConflictError
from ypmatch.services.submissions import record_result
from ypmatch.views.records import (
    claim_form,
    paginate_request,
    render_history,
    report_conflict,
    restore_version_from_history,
)

blueprint = Blueprint("outcomes", __name__)


def _prepare(form: OutcomeForm) -> OutcomeForm:
    locale = str(get_locale())
    form.company_id.choices = as_choices(
        [
            (c.id, c.name(locale))
            for c in db.session.scalars(
                sa.select(Company).where(Company.is_listed).order_by(Company.name_en)
            )
        ]
    )
    form.need_id.choices = as_choices(
        [
            (n.id, f"{n.ref or n.id} · {n.title(locale)}")
            for n in db.session.scalars(
                sa.select(Need).where(Need.is_current).order_by(Need.city_id, Need.id)
            )
        ]
    )
    form.mission_id.choices = as_choices(
        [(0, "—")]
        + [
            (m.id, m.title)
            for m in db.session.scalars(
                sa.select(Mission).where(Mission.is_current).order_by(Mission.id.desc())
            )
        ]
    )
    return form


def outcomes_query() -> sa.Select:
    """The outcomes the list shows for the request's filters (its exports reuse it)."""
    query = sa.select(Outcome).where(Outcome.is_current)
    if request.args.get("kind"):
        query = query.where(Outcome.kind == request.args["kind"])
    if request.args.get("mission", type=record_id):
        query = query.where(Outcome.mission_id == request.args.get("mission", type=record_id))
    return query.order_by(Outcome.occurred_on.desc(), Outcome.id.desc())


@blueprint.get("/outcomes")
@staff_required
def index():
    page = paginate_request(outcomes_query())
    return render_template("outcomes/index.html", page=page)


@blueprint.route("/outcomes/new", methods=["GET", "POST"])
@staff_required
def create():
    form = _prepare(OutcomeForm())
    if request.method == "GET":
        form.company_id.data = request.args.get("company", type=record_id)
        form.need_id.data = request.args.get("need", type=record_id)
        form.mission_id.data = request.args.get("mission", type=record_id) or 0
        form.occurred_on.data = date.today()
    if form.validate_on_submit():
        submission = claim_form(form)
        try:
            record_outcome(form.outcome_data(), current_user)
        except OutcomeError as error:
            db.session.rollback()
            form.kind.errors.append(str(error))
        else:
            record_result(submission, url_for("outcomes.index"))
            db.session.commit()
            flash(_("Outcome recorded."), "success")
            return redirect(url_for("outcomes.index"))
    status = 422 if form.is_submitted() else 200
    return render_template("outcomes/form.html", form=form, outcome=None), status


@blueprint.route("/outcomes/<int:outcome_id>/edit", methods=["GET", "POST"])
@staff_required
def edit(outcome_id: int):
    outcome = db.get_or_404(Outcome, outcome_id)
    form = _prepare(OutcomeForm(obj=outcome))
    if request.method == "GET":
        form.version.data = str(outcome.version)
        form.mission_id.data = outcome.mission_id or 0
    other_change = None
    if form.validate_on_submit():
        try:
            update_outcome(outcome, form.outcome_data(), current_user, form.expected_version())
        except ConflictError as error:
            other_change = report_conflict(error, form)
        except OutcomeError as error:
            db.session.rollback()
            form.kind.errors.append(str(error))
        else:
            db.session.commit()
            flash(_("Saved."), "success")
            return redirect(url_for("outcomes.index"))
    status = 409 if other_change else (422 if form.is_submitted() else 200)
    return render_template(
        "outcomes/form.html", form=form, outcome=outcome, other_change=other_change
    ), status


@blueprint.get("/outcomes/<int:outcome_id>/history")
@staff_required
def history(outcome_id: int):
    outcome = db.get_or_404(Outcome, outcome_id)
    return render_history(
        outcome,
        f"#{outcome.id}",
        url_for("outcomes.index"),
        restore_to=("outcomes.restore_version", {"outcome_id": outcome.id}),
    )


# What "restore this version" puts back.
RESTORABLE_FIELDS = ("kind", "occurred_on", "funding_source", "amount_jpy", "reason", "notes")


@blueprint.post("/outcomes/<int:outcome_id>/history/<int:entry_id>/restore")
@staff_required
def restore_version(outcome_id: int, entry_id: int):
    outcome = db.get_or_404(Outcome, outcome_id)
    return restore_version_from_history(
        outcome, entry_id, RESTORABLE_FIELDS, url_for("outcomes.history", outcome_id=outcome.id)
    )


def _chart_max(rows: list[tuple[str, int, int]]) -> int:
    return max((a + b for _label, a, b in rows), default=0)


@blueprint.get("/kpis")
@staff_required
def dashboard():
    default_first = current_app.config.get("KPI_FIRST_YEAR") or fiscal_year(date.today()) - 1
    first_year = request.args.get("from", type=record_id) or default_first
    first_year = min(max(first_year, 2000), 2100)
    report = kpi_report(first_year)
    return render_template(
        "outcomes/kpis.html",
        report=report,
        window_years=WINDOW_YEARS,
        chart_max=_chart_max,
        year_choices=range(fiscal_year(date.today()) - 8, fiscal_year(date.today()) + 2),
    )
