"""City needs: lists for everyone, curation for the bureau, drafts for focal points."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required
from flask_wtf import FlaskForm

from ypmatch import clock
from ypmatch.extensions import db, login_manager
from ypmatch.forms.common import ConfirmForm, as_choices
from ypmatch.forms.filters import MatchListFilters, NeedListFilters
from ypmatch.forms.matching import ApplySectorsForm, MatchDecisionForm
from ypmatch.forms.missions import InterestForm
from ypmatch.forms.needs import NeedForm, NeedStatusForm, PublishReviewForm
from ypmatch.matching import Boosts
from ypmatch.models import Company, MatchDecisionStatus, Need, NeedStatus, Role
from ypmatch.permissions import (
    can_edit_need,
    can_see_matches,
    can_view_need,
    is_for_signed_in_companies,
    require,
    roles_required,
    staff_required,
)
from ypmatch.services.alerts import (
    alerts_for_published_need,
    count_information_provided,
    notification_candidates,
    notified_companies,
    preview_alert,
    stale_before,
)
from ypmatch.services.cities import (
    active_cities,
    active_sectors,
    offered_sectors,
    sectors_by_ids,
)
from ypmatch.services.invitations import (
    interests_for_need,
    open_interest,
    raise_hand,
    withdraw_hand,
)
from ypmatch.services.matches import (
    CompanyMatchFilters,
    companies_for_need,
    company_fit,
    company_need_scores,
    decide_match,
    dismissed_for_need,
    fitting_company_counts,
    reason_label,
    suggest_sectors,
    undo_decision,
)
from ypmatch.services.needs import (
    RESTORABLE_FIELDS,
    NeedFilters,
    change_need_status,
    create_need,
    needs_query,
    update_need,
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

blueprint = Blueprint("needs", __name__, url_prefix="/needs")


def _own_company():
    """The signed-in member's approved company (its fit can order and annotate needs)."""
    company = current_user.company if current_user.is_authenticated else None
    return company if company is not None and company.is_approved else None


def filters_from_request() -> NeedFilters:
    is_staff = current_user.is_authenticated and current_user.is_staff
    form = NeedListFilters(request.args)
    company = _own_company()
    return NeedFilters(
        text=form.q.data,
        city_id=form.city.data,
        sector_id=form.sector.data,
        status=form.status.data,
        language=form.lang.data,
        archived=is_staff and form.archived.data,
        stale_before=stale_before(clock.now()) if is_staff and form.stale.data else None,
        sort=form.sort.data,
        fit_scores=company_need_scores(company) if form.sort.data == "fit" and company else None,
    )


@blueprint.get("/")
def index():
    filters = filters_from_request()
    page = paginate_request(needs_query(current_user, filters), total_with_page=bool(filters.text))
    is_staff = current_user.is_authenticated and current_user.is_staff
    return render_template(
        "needs/index.html",
        page=page,
        filters=filters,
        can_sort_by_fit=_own_company() is not None,
        fitting_counts=fitting_company_counts(page.items) if is_staff else {},
        cities=active_cities(),
        sectors=active_sectors(),
    )


def _get_need(need_id: int) -> Need:
    need = db.get_or_404(Need, need_id)
    if not can_view_need(current_user, need):
        if not current_user.is_authenticated and is_for_signed_in_companies(need):
            # Someone was sent a link to a need for registered companies: sign in, come back.
            abort(login_manager.unauthorized())
        # Hidden needs look the same as missing ones to those who may not see them.
        abort(404)
    return need


def _own_fit(need: Need):
    """A member sees how well their own company fits the need (never the others')."""
    company = _own_company()
    if company is None or not company.active_technologies:
        return None
    return company_fit(need, company, str(get_locale())) or False


def _own_hand(need: Need):
    company = current_user.company if current_user.is_authenticated else None
    return open_interest(company, need) if company is not None else None


@blueprint.get("/<int:need_id>")
def show(need_id: int):
    need = _get_need(need_id)
    locale = str(get_locale())
    context = {}
    if can_see_matches(current_user, need):
        form = MatchListFilters(request.args)
        k = form.k.data
        boosts = Boosts(
            sector_overlap=form.boost_sector.data, overseas_experience=form.boost_overseas.data
        )
        filters = CompanyMatchFilters(
            sector_id=form.sector.data,
            size=form.size.data,
            yport_member={"1": True, "0": False}.get(form.yport.data),
            overseas_in_country=form.overseas.data,
        )
        context = {
            "matches": companies_for_need(need, locale, k=k, filters=filters, boosts=boosts),
            "match_k": k,
            "match_filters": filters,
            "boosts": boosts,
            "sectors": active_sectors(),
            "decision_form": MatchDecisionForm(),
            "dismissed": dismissed_for_need(need),
            "undo_form": FlaskForm(),
        }
    if not need.sectors and can_edit_need(current_user, need):
        suggested = suggest_sectors(
            " ".join([need.title_en, need.title_ja, need.description_en, need.description_ja]),
            locale,
        )
        context["sector_form"] = suggested_sectors_form(suggested, locale)
    if can_see_matches(current_user, need):  # the bureau and the city see who answered
        context["interests"] = interests_for_need(need)
    if current_user.is_authenticated and current_user.is_staff:
        context["notified"] = notified_companies(need)
        context["contact_form"] = FlaskForm()
    return render_template(
        "needs/show.html",
        need=need,
        can_edit=can_edit_need(current_user, need),
        interest_form=InterestForm(),
        own_hand=_own_hand(need),
        own_fit=_own_fit(need),
        confirm_form=ConfirmForm(),
        status_form=NeedStatusForm(status=need.status),
        **context,
    )


@blueprint.post("/<int:need_id>/interest")
@roles_required(Role.COMPANY)
def interest(need_id: int):
    need = _get_need(need_id)
    company = current_user.company
    require(company is not None and company.is_approved and need.status == NeedStatus.PUBLISHED)
    form = InterestForm()
    if form.validate_on_submit():
        raise_hand(company, current_user, form.note.data or "", need=need)
        db.session.commit()
        flash(_("The bureau knows you are interested in this need."), "success")
    return redirect(url_for("needs.show", need_id=need.id, _anchor="interest-title"))


@blueprint.post("/<int:need_id>/interest/withdraw")
@roles_required(Role.COMPANY)
def withdraw_interest(need_id: int):
    need = _get_need(need_id)
    company = current_user.company
    hand = open_interest(company, need) if company is not None else None
    if hand is None:
        abort(404)
    if FlaskForm().validate_on_submit():
        withdraw_hand(hand, current_user)
        db.session.commit()
        flash(_("Your hand is withdrawn; the bureau no longer sees it."), "success")
    return redirect(url_for("needs.show", need_id=need.id, _anchor="interest-title"))


@blueprint.post("/<int:need_id>/matches/<int:company_id>/decision")
@staff_required
def decide(need_id: int, company_id: int):
    need = db.get_or_404(Need, need_id)
    company = db.get_or_404(Company, company_id)
    form = MatchDecisionForm()
    if form.validate_on_submit():
        decide_match(need, company, form.status.data, form.note.data or "", current_user)
        db.session.commit()
        name = company.name(str(get_locale()))
        if form.status.data == MatchDecisionStatus.DISMISSED:
            flash(
                _(
                    "Dismissed %(company)s: it will not be proposed for this need again. "
                    "Undo it from the list of dismissed companies below.",
                    company=name,
                ),
                "success",
            )
        else:
            flash(_("Confirmed %(company)s.", company=name), "success")
    else:
        flash(_("Choose confirm or dismiss."), "error")
    return redirect(url_for("needs.show", need_id=need.id, _anchor="matches"))


@blueprint.post("/<int:need_id>/matches/<int:company_id>/undo")
@staff_required
def undo_decision_view(need_id: int, company_id: int):
    need = db.get_or_404(Need, need_id)
    company = db.get_or_404(Company, company_id)
    if FlaskForm().validate_on_submit() and undo_decision(need, company, current_user):
        db.session.commit()
        flash(
            _("Decision on %(company)s undone.", company=company.name(str(get_locale()))),
            "success",
        )
    return redirect(url_for("needs.show", need_id=need.id, _anchor="matches"))


@blueprint.post("/<int:need_id>/sectors")
@login_required
def apply_sectors(need_id: int):
    need = _get_need(need_id)  # a hidden need is missing, not forbidden
    require(can_edit_need(current_user, need))
    form = ApplySectorsForm()
    form.sectors.choices = as_choices([(s.id, s.name("en")) for s in active_sectors()])
    if form.validate_on_submit() and form.sectors.data:
        update_need(
            need, {"sectors": sectors_by_ids(form.sectors.data)}, current_user, need.version
        )
        db.session.commit()
        flash(_("Sectors applied."), "success")
    else:
        flash(_("Tick the sectors that apply, then apply them."), "error")
    return redirect(url_for("needs.show", need_id=need.id))


def _prepare_form(form: NeedForm, need: Need | None = None) -> NeedForm:
    locale = str(get_locale())
    form.sectors.choices = sector_choices(offered_sectors(need.sectors if need else []), locale)
    if current_user.role == Role.CITY:
        form.city_id.choices = as_choices([(current_user.city.id, current_user.city.name(locale))])
        # Focal points submit drafts; the bureau decides status and visibility.
        del form.status
        del form.visibility
    else:
        form.city_id.choices = as_choices(
            [(city.id, city.name(locale)) for city in active_cities()]
        )
    return form


def _form_data(form: NeedForm) -> dict:
    return form.need_data(sectors_by_ids(form.sectors.data or []))


@blueprint.route("/new", methods=["GET", "POST"])
@login_required
def create():
    require(current_user.role in (Role.CURATOR, Role.ADMIN, Role.CITY))
    form = _prepare_form(NeedForm())
    if request.method == "GET" and current_user.role == Role.CITY:
        form.city_id.data = current_user.city_id
    if form.validate_on_submit():
        submission = claim_form(form)
        try:
            need = create_need(_form_data(form), current_user)
        except InvalidFields as broken:  # the need's rules live in the service
            db.session.rollback()
            broken.show_on(form)
            return render_template("needs/form.html", form=form, need=None), 422
        target = url_for("needs.show", need_id=need.id)
        record_result(submission, target)
        db.session.commit()
        if need.status == NeedStatus.PUBLISHED:
            flash(_("Need saved and published. Choose which companies to tell."), "success")
            return redirect(url_for("needs.publish", need_id=need.id))
        flash(_("Need saved."), "success")
        return redirect(target)
    status = 422 if form.is_submitted() else 200
    return render_template("needs/form.html", form=form, need=None), status


@blueprint.route("/<int:need_id>/edit", methods=["GET", "POST"])
@login_required
def edit(need_id: int):
    need = _get_need(need_id)  # a hidden need is missing, not forbidden
    require(can_edit_need(current_user, need))
    form = _prepare_form(NeedForm(obj=need), need)
    if request.method == "GET":
        form.version.data = str(need.version)
        form.sectors.data = [sector.id for sector in need.sectors]
    other_change = None
    if form.validate_on_submit():
        was_published = need.status == NeedStatus.PUBLISHED
        try:
            update_need(need, _form_data(form), current_user, form.expected_version())
        except ConflictError as error:
            other_change = report_conflict(error, form)
        except InvalidFields as broken:
            db.session.rollback()
            broken.show_on(form)
        else:
            db.session.commit()
            if need.status == NeedStatus.PUBLISHED and not was_published:
                flash(_("Saved and published. Choose which companies to tell."), "success")
                return redirect(url_for("needs.publish", need_id=need.id))
            flash(_("Saved."), "success")
            return redirect(url_for("needs.show", need_id=need.id))
    status = 409 if other_change else (422 if form.is_submitted() else 200)
    return render_template(
        "needs/form.html", form=form, need=need, other_change=other_change
    ), status


@blueprint.post("/<int:need_id>/status")
@staff_required
def change_status(need_id: int):
    need = db.get_or_404(Need, need_id)
    form = NeedStatusForm()
    if form.validate_on_submit():
        if form.status.data == NeedStatus.PUBLISHED and need.status != NeedStatus.PUBLISHED:
            # Publishing tells companies: the curator sees whom, and the email, first.
            return redirect(url_for("needs.publish", need_id=need.id))
        change_need_status(need, form.status.data, current_user)
        db.session.commit()
        flash(_("Status changed."), "success")
    else:
        flash(_("Choose a valid status."), "error")
    return redirect(url_for("needs.show", need_id=need.id))


@blueprint.route("/<int:need_id>/publish", methods=["GET", "POST"])
@staff_required
def publish(need_id: int):
    """The review step of publishing: which companies will be told, and what they will
    read. For a need published already (from its form), it only tells companies."""
    need = db.get_or_404(Need, need_id)
    if need.is_archived:
        abort(404)
    locale = str(get_locale())
    candidates = notification_candidates(need)
    form = PublishReviewForm()
    form.notify.choices = as_choices(
        [(candidate.company.id, candidate.company.name(locale)) for candidate in candidates]
    )
    if request.method == "GET":
        form.notify.data = [c.company.id for c in candidates if c.band == "strong"]
    if form.validate_on_submit():
        chosen = set(form.notify.data or [])
        if need.status == NeedStatus.PUBLISHED:
            alerts_for_published_need(need, clock.now(), chosen)
            message = _("%(n)d companies will be told about this need.", n=len(chosen))
        else:
            change_need_status(need, NeedStatus.PUBLISHED, current_user, notify_company_ids=chosen)
            message = _("Published. %(n)d companies will be told about it.", n=len(chosen))
        db.session.commit()
        flash(message, "success")
        return redirect(url_for("needs.show", need_id=need.id))
    preview = preview_alert(need, candidates[0], locale) if candidates else None
    return render_template(
        "needs/publish.html",
        need=need,
        form=form,
        candidates=candidates,
        preview=preview,
        reason_label=reason_label,
    ), 422 if form.is_submitted() else 200


@blueprint.post("/<int:need_id>/contacts/<int:company_id>")
@staff_required
def count_contact(need_id: int, company_id: int):
    """The bureau confirms that telling a company about a need was a meaningful contact."""
    need = db.get_or_404(Need, need_id)
    company = db.get_or_404(Company, company_id)
    if FlaskForm().validate_on_submit():
        if count_information_provided(company, need, current_user, clock.now()):
            db.session.commit()
            flash(
                _(
                    "Counted as information provided to %(company)s.",
                    company=company.name(str(get_locale())),
                ),
                "success",
            )
        else:
            flash(_("This contact was counted already."), "info")
    return redirect(url_for("needs.show", need_id=need.id, _anchor="notified"))


@blueprint.post("/<int:need_id>/archive")
@login_required
def archive(need_id: int):
    need = _get_need(need_id)  # a hidden need is missing, not forbidden
    require(can_edit_need(current_user, need))
    return archive_or_restore(need, False, url_for("needs.index"))


@blueprint.post("/<int:need_id>/restore")
@staff_required
def restore(need_id: int):
    need = db.get_or_404(Need, need_id)
    return archive_or_restore(need, True, url_for("needs.show", need_id=need.id))


@blueprint.get("/<int:need_id>/history")
@login_required
def history(need_id: int):
    need = _get_need(need_id)  # a hidden need is missing, not forbidden
    require(current_user.is_staff or can_edit_need(current_user, need))
    can_restore = can_edit_need(current_user, need)
    return render_history(
        need,
        need.title(str(get_locale())),
        url_for("needs.show", need_id=need.id),
        restore_to=("needs.restore_version", {"need_id": need.id}) if can_restore else None,
    )


@blueprint.post("/<int:need_id>/history/<int:entry_id>/restore")
@login_required
def restore_version(need_id: int, entry_id: int):
    need = _get_need(need_id)
    require(can_edit_need(current_user, need))
    return restore_version_from_history(
        need, entry_id, RESTORABLE_FIELDS, url_for("needs.history", need_id=need.id)
    )
