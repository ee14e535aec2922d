"""Home page and the language switch."""

import sqlalchemy as sa
from flask import Blueprint, redirect, render_template, request, session
from flask_babel import get_locale
from flask_login import current_user
from flask_wtf import FlaskForm

from ypmatch.extensions import db
from ypmatch.models import Company, Mission, Need, NeedStatus, Role
from ypmatch.permissions import visible_needs_condition
from ypmatch.services.companies import pending_companies
from ypmatch.services.invitations import interests_for_city
from ypmatch.services.matches import needs_for_company
from ypmatch.views.records import safe_next_url

blueprint = Blueprint("main", __name__)


@blueprint.get("/")
def index():
    recent_needs = db.session.scalars(
        sa.select(Need)
        .where(visible_needs_condition(current_user), Need.is_current)
        .where(Need.status.in_([NeedStatus.PUBLISHED, NeedStatus.IN_MISSION]))
        .order_by(Need.updated_at.desc())
        .limit(8)
    ).all()
    context = {"recent_needs": recent_needs}
    if current_user.is_authenticated and current_user.is_staff:
        context["pending_companies"] = pending_companies()
        context["draft_needs"] = db.session.scalars(
            sa.select(Need)
            .where(Need.status == NeedStatus.DRAFT, Need.is_current)
            .order_by(Need.updated_at.desc())
            .limit(10)
        ).all()
        context["counts"] = {
            "needs": db.session.scalar(sa.select(sa.func.count(Need.id)).where(Need.is_current)),
            "companies": db.session.scalar(
                sa.select(sa.func.count(Company.id)).where(
                    Company.is_listed,
                )
            ),
        }
    company = current_user.company if current_user.is_authenticated else None
    if company is not None and company.is_approved and company.active_technologies:
        context["company_needs"] = needs_for_company(company, current_user, str(get_locale()))
    if current_user.is_authenticated and current_user.role == Role.CITY:
        context["city_needs"] = db.session.scalars(
            sa.select(Need)
            .where(Need.city_id == current_user.city_id, Need.is_current)
            .order_by(Need.updated_at.desc())
        ).all()
        context["city_hands"] = interests_for_city(current_user.city_id)
        context["city_missions"] = db.session.scalars(
            sa.select(Mission)
            .where(Mission.city_id == current_user.city_id, Mission.is_current)
            .order_by(Mission.start_date.desc(), Mission.id.desc())
        ).all()
    return render_template("index.html", **context)


@blueprint.post("/language")
def switch_language():
    language = request.form.get("language", "")
    form = FlaskForm()
    if form.validate_on_submit() and language in ("en", "ja"):
        session["locale"] = language
        if current_user.is_authenticated:
            current_user.locale = language
            db.session.commit()
    return redirect(safe_next_url(request.form.get("next")))
