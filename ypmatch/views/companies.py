"""Companies and their technologies; sign-up review for the bureau."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy.orm import selectinload

from ypmatch import clock
from ypmatch.extensions import db
from ypmatch.forms.common import ConfirmForm, as_choices
from ypmatch.forms.companies import CompanyForm, ReviewForm, TechnologyForm
from ypmatch.forms.filters import CompanyListFilters
from ypmatch.forms.matching import ApplySectorsForm
from ypmatch.models import Company, Technology
from ypmatch.permissions import (
    can_edit_company,
    can_edit_company_profile,
    can_set_yport_membership,
    can_view_company,
    is_member_of,
    require,
    staff_required,
)
from ypmatch.services.alerts import stale_before
from ypmatch.services.cities import active_sectors, offered_sectors, sectors_by_ids
from ypmatch.services.companies import (
    RESTORABLE_PROFILE_FIELDS,
    RESTORABLE_TECHNOLOGY_FIELDS,
    CompanyFilters,
    companies_query,
    create_technology,
    pending_companies,
    profile_completeness,
    review_company,
    update_company,
    update_technology,
)
from ypmatch.services.matches import (
    needs_for_technologies,
    profile_suggestions,
    suggest_sectors,
    trades_outside_scope,
)
from ypmatch.services.records import ConflictError
from ypmatch.services.rules import InvalidFields
from ypmatch.services.submissions import record_result
from ypmatch.views.records import (
    archive_or_restore,
    claim_form,
    paginate_request,
    render_history,
    report_conflict,
    restore_version_from_history,
    sector_choices,
    suggested_sectors_form,
)

blueprint = Blueprint("companies", __name__, url_prefix="/companies")


def filters_from_request() -> CompanyFilters:
    is_staff = current_user.is_authenticated and current_user.is_staff
    form = CompanyListFilters(request.args)
    return CompanyFilters(
        text=form.q.data,
        sector_id=form.sector.data,
        size=form.size.data,
        approval_status=form.approval.data if is_staff else "",
        yport_member={"1": True, "0": False}.get(form.yport.data),
        archived=is_staff and form.archived.data,
        stale_before=stale_before(clock.now()) if is_staff and form.stale.data else None,
    )


@blueprint.get("/")
def index():
    filters = filters_from_request()
    query = companies_query(current_user, filters).options(selectinload(Company.technologies))
    page = paginate_request(query, total_with_page=bool(filters.text))
    return render_template(
        "companies/index.html", page=page, filters=filters, sectors=active_sectors()
    )


def _get_company(company_id: int) -> Company:
    company = db.get_or_404(Company, company_id)
    if not can_view_company(current_user, company):
        abort(404)
    return company


@blueprint.get("/<int:company_id>")
def show(company_id: int):
    company = _get_company(company_id)
    context = {}
    is_member = is_member_of(current_user, company)
    if company.is_approved and (
        is_member or (current_user.is_authenticated and current_user.is_staff)
    ):
        locale = str(get_locale())
        context["fitting_needs"] = needs_for_technologies(company, current_user, locale)
        context["outside_scope"] = trades_outside_scope(company, locale)
        context["suggestions"] = profile_suggestions(company, current_user, locale)
        context["completeness"] = profile_completeness(company)
    return render_template(
        "companies/show.html",
        company=company,
        can_edit=can_edit_company(current_user, company),
        can_edit_profile=can_edit_company_profile(current_user, company),
        is_member=is_member,
        confirm_form=ConfirmForm(),
        review_form=ReviewForm(),
        **context,
    )


@blueprint.route("/<int:company_id>/edit", methods=["GET", "POST"])
@login_required
def edit(company_id: int):
    company = _get_company(company_id)  # a hidden company is missing, not forbidden
    require(can_edit_company_profile(current_user, company))
    form = CompanyForm(obj=company)
    if not can_set_yport_membership(current_user):
        del form.yport_member
    if request.method == "GET":
        form.version.data = str(company.version)
    other_change = None
    if form.validate_on_submit():
        try:
            update_company(company, form.profile_data(), current_user, form.expected_version())
        except ConflictError as error:
            other_change = report_conflict(error, form)
        except InvalidFields as broken:  # the company's rules live in the service
            db.session.rollback()
            broken.show_on(form)
        else:
            db.session.commit()
            flash(_("Saved."), "success")
            return redirect(url_for("companies.show", company_id=company.id))
    status = 409 if other_change else (422 if form.is_submitted() else 200)
    return render_template(
        "companies/form.html", form=form, company=company, other_change=other_change
    ), status


@blueprint.get("/review")
@staff_required
def review_queue():
    return render_template(
        "companies/review.html", companies=pending_companies(), review_form=ReviewForm()
    )


@blueprint.post("/<int:company_id>/review")
@staff_required
def review(company_id: int):
    company = db.get_or_404(Company, company_id)
    form = ReviewForm()
    if form.validate_on_submit():
        approve = form.decision.data == "approve"
        review_company(company, approve, form.reason.data or "", current_user)
        db.session.commit()
        flash(_("Approved.") if approve else _("Rejected."), "success")
        return redirect(url_for("companies.review_queue"))
    for errors in form.errors.values():
        for error in errors:
            flash(str(error), "error")
    return redirect(url_for("companies.show", company_id=company.id))


@blueprint.post("/<int:company_id>/archive")
@staff_required
def archive(company_id: int):
    company = db.get_or_404(Company, company_id)
    return archive_or_restore(company, False, url_for("companies.show", company_id=company.id))


@blueprint.post("/<int:company_id>/restore")
@staff_required
def restore(company_id: int):
    company = db.get_or_404(Company, company_id)
    return archive_or_restore(company, True, url_for("companies.show", company_id=company.id))


@blueprint.get("/<int:company_id>/history")
@login_required
def history(company_id: int):
    company = _get_company(company_id)  # a hidden company is missing, not forbidden
    require(current_user.is_staff or is_member_of(current_user, company))
    can_restore = can_edit_company_profile(current_user, company)
    return render_history(
        company,
        company.name(str(get_locale())),
        url_for("companies.show", company_id=company.id),
        restore_to=(
            ("companies.restore_version", {"company_id": company.id}) if can_restore else None
        ),
    )


@blueprint.post("/<int:company_id>/history/<int:entry_id>/restore")
@login_required
def restore_version(company_id: int, entry_id: int):
    company = _get_company(company_id)
    require(can_edit_company_profile(current_user, company))
    return restore_version_from_history(
        company,
        entry_id,
        RESTORABLE_PROFILE_FIELDS,
        url_for("companies.history", company_id=company.id),
    )


def _get_technology(company_id: int, technology_id: int) -> Technology:
    technology = db.get_or_404(Technology, technology_id)
    if technology.company_id != company_id:
        abort(404)
    if not can_view_company(current_user, technology.company):
        abort(404)
    if technology.is_archived and not can_edit_company(current_user, technology.company):
        abort(404)
    return technology


def _prepare_technology_form(
    form: TechnologyForm, technology: Technology | None = None
) -> TechnologyForm:
    locale = str(get_locale())
    form.sectors.choices = sector_choices(
        offered_sectors(technology.sectors if technology else []), locale
    )
    return form


def _technology_data(form: TechnologyForm) -> dict:
    return {
        "title_ja": form.title_ja.data or "",
        "title_en": form.title_en.data or "",
        "description_ja": form.description_ja.data or "",
        "description_en": form.description_en.data or "",
        "track_record": form.track_record.data or "",
        "sectors": sectors_by_ids(form.sectors.data or []),
    }


@blueprint.route("/<int:company_id>/technologies/new", methods=["GET", "POST"])
@login_required
def create_technology_view(company_id: int):
    company = _get_company(company_id)  # a hidden company is missing, not forbidden
    require(can_edit_company(current_user, company))
    form = _prepare_technology_form(TechnologyForm())
    if form.validate_on_submit():
        submission = claim_form(form)
        try:
            technology = create_technology(company, _technology_data(form), current_user)
        except InvalidFields as broken:  # the technology's rules live in the service
            db.session.rollback()
            broken.show_on(form)
            return render_template(
                "companies/technology_form.html", form=form, company=company, technology=None
            ), 422
        target = url_for("companies.technology", company_id=company.id, technology_id=technology.id)
        record_result(submission, target)
        db.session.commit()
        flash(_("Technology added."), "success")
        return redirect(target)
    status = 422 if form.is_submitted() else 200
    return render_template(
        "companies/technology_form.html", form=form, company=company, technology=None
    ), status


@blueprint.get("/<int:company_id>/technologies/<int:technology_id>")
def technology(company_id: int, technology_id: int):
    technology = _get_technology(company_id, technology_id)
    can_edit = can_edit_company(current_user, technology.company)
    sector_form = None
    if can_edit and not technology.sectors:
        locale = str(get_locale())
        suggested = suggest_sectors(
            " ".join(
                [
                    technology.title_ja,
                    technology.title_en,
                    technology.description_ja,
                    technology.description_en,
                ]
            ),
            locale,
        )
        sector_form = suggested_sectors_form(suggested, locale)
    return render_template(
        "companies/technology.html",
        technology=technology,
        company=technology.company,
        can_edit=can_edit,
        confirm_form=ConfirmForm(),
        sector_form=sector_form,
    )


@blueprint.post("/<int:company_id>/technologies/<int:technology_id>/sectors")
@login_required
def apply_technology_sectors(company_id: int, technology_id: int):
    technology = _get_technology(company_id, technology_id)
    require(can_edit_company(current_user, technology.company))
    form = ApplySectorsForm()
    form.sectors.choices = as_choices([(s.id, s.name("en")) for s in active_sectors()])
    if form.validate_on_submit() and form.sectors.data:
        update_technology(
            technology,
            {"sectors": sectors_by_ids(form.sectors.data)},
            current_user,
            technology.version,
        )
        db.session.commit()
        flash(_("Sectors applied."), "success")
    else:
        flash(_("Tick the sectors that apply, then apply them."), "error")
    return redirect(
        url_for("companies.technology", company_id=company_id, technology_id=technology_id)
    )


@blueprint.route("/<int:company_id>/technologies/<int:technology_id>/edit", methods=["GET", "POST"])
@login_required
def edit_technology(company_id: int, technology_id: int):
    technology = _get_technology(company_id, technology_id)
    require(can_edit_company(current_user, technology.company))
    form = _prepare_technology_form(TechnologyForm(obj=technology), technology)
    if request.method == "GET":
        form.version.data = str(technology.version)
        form.sectors.data = [sector.id for sector in technology.sectors]
    other_change = None
    if form.validate_on_submit():
        try:
            update_technology(
                technology, _technology_data(form), current_user, form.expected_version()
            )
        except ConflictError as error:
            other_change = report_conflict(error, form)
        except InvalidFields as broken:
            db.session.rollback()
            broken.show_on(form)
        else:
            db.session.commit()
            flash(_("Saved."), "success")
            return redirect(
                url_for("companies.technology", company_id=company_id, technology_id=technology.id)
            )
    status = 409 if other_change else (422 if form.is_submitted() else 200)
    return render_template(
        "companies/technology_form.html",
        form=form,
        company=technology.company,
        technology=technology,
        other_change=other_change,
    ), status


@blueprint.post("/<int:company_id>/technologies/<int:technology_id>/archive")
@login_required
def archive_technology(company_id: int, technology_id: int):
    technology = _get_technology(company_id, technology_id)
    require(can_edit_company(current_user, technology.company))
    return archive_or_restore(technology, False, url_for("companies.show", company_id=company_id))


@blueprint.post("/<int:company_id>/technologies/<int:technology_id>/restore")
@login_required
def restore_technology(company_id: int, technology_id: int):
    technology = _get_technology(company_id, technology_id)
    require(can_edit_company(current_user, technology.company))
    return archive_or_restore(
        technology,
        True,
        url_for("companies.technology", company_id=company_id, technology_id=technology_id),
    )


@blueprint.get("/<int:company_id>/technologies/<int:technology_id>/history")
@login_required
def technology_history(company_id: int, technology_id: int):
    technology = _get_technology(company_id, technology_id)
    require(current_user.is_staff or is_member_of(current_user, technology.company))
    can_restore = can_edit_company(current_user, technology.company)
    return render_history(
        technology,
        technology.title(str(get_locale())),
        url_for("companies.technology", company_id=company_id, technology_id=technology_id),
        restore_to=(
            (
                "companies.restore_technology_version",
                {"company_id": company_id, "technology_id": technology_id},
            )
            if can_restore
            else None
        ),
    )


@blueprint.post("/<int:company_id>/technologies/<int:technology_id>/history/<int:entry_id>/restore")
@login_required
def restore_technology_version(company_id: int, technology_id: int, entry_id: int):
    technology = _get_technology(company_id, technology_id)
    require(can_edit_company(current_user, technology.company))
    return restore_version_from_history(
        technology,
        entry_id,
        RESTORABLE_TECHNOLOGY_FIELDS,
        url_for("companies.technology_history", company_id=company_id, technology_id=technology_id),
    )
