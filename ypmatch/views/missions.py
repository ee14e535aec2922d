"""Joint survey missions: planning, shortlists, invitations, briefing exports."""

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf import FlaskForm

from ypmatch.extensions import db
from ypmatch.forms.common import ConfirmForm, as_choices
from ypmatch.forms.missions import (
    AddCompanyForm,
    InvitationResponseForm,
    MissionForm,
    MissionStatusForm,
)
from ypmatch.models import (
    Mission,
    MissionCompany,
    MissionStatus,
    Need,
    Role,
)
from ypmatch.permissions import (
    can_view_mission,
    mission_needs_for,
    require,
    roles_required,
    sees_mission_shortlist,
    staff_required,
)
from ypmatch.services.cities import active_cities
from ypmatch.services.exports.calendar import CALENDAR_MIMETYPE, mission_calendar
from ypmatch.services.exports.missions import shortlist_sheets
from ypmatch.services.exports.writers import WRITERS
from ypmatch.services.invitations import (
    answer_by,
    interests_for_mission,
    invitation_subjects,
    invitations_for_company,
    invite,
    mark_joined,
    respond_to_invitation,
)
from ypmatch.services.matches import reason_label
from ypmatch.services.missions import (
    MissionError,
    active_participants,
    add_company_by_hand,
    change_mission_status,
    coverage_by_need,
    create_mission,
    generate_shortlist,
    hand_candidates,
    listed_company,
    move_participant,
    next_statuses,
    participant,
    plannable_needs,
    set_participant_flag,
    update_mission,
    visible_missions,
)
from ypmatch.services.records import ConflictError
from ypmatch.services.rules import InvalidFields
from ypmatch.services.submissions import record_result
from ypmatch.views.records import (
    claim_form,
    render_history,
    report_conflict,
    restore_version_from_history,
)

blueprint = Blueprint("missions", __name__, url_prefix="/missions")


def _get_mission(mission_id: int) -> Mission:
    mission = db.get_or_404(Mission, mission_id)
    if mission.is_archived and not current_user.is_staff:
        abort(404)
    if not can_view_mission(current_user, mission):
        abort(404)
    return mission


@blueprint.get("/")
@login_required
def index():
    missions = db.session.scalars(visible_missions(current_user)).all()
    return render_template(
        "missions/index.html",
        missions=missions,
        needs_for=lambda mission: mission_needs_for(current_user, mission),
    )


def _prepare(form: MissionForm) -> MissionForm:
    locale = str(get_locale())
    # No city is chosen for the curator: a silent default plans missions to the wrong city.
    form.city_id.choices = as_choices(
        [(0, _("Choose the partner city"))] + [(c.id, c.name(locale)) for c in active_cities()]
    )
    needs = plannable_needs()
    form.needs.choices = as_choices([(n.id, f"{n.ref or n.id} · {n.title(locale)}") for n in needs])
    by_city: dict[int, list[Need]] = {}
    for need in needs:
        by_city.setdefault(need.city_id, []).append(need)
    form.needs_by_city = [(city, by_city.get(city.id, [])) for city in active_cities()]
    return form


@blueprint.route("/new", methods=["GET", "POST"])
@staff_required
def create():
    form = _prepare(MissionForm())
    if form.validate_on_submit():
        submission = claim_form(form)
        try:
            mission = create_mission(
                form.mission_data(), plannable_needs(form.needs.data or []), current_user
            )
        except MissionError as error:
            db.session.rollback()
            form.needs.errors.append(str(error))
        except InvalidFields as broken:  # the mission's rules live in the service
            db.session.rollback()
            broken.show_on(form)
        else:
            target = url_for("missions.show", mission_id=mission.id)
            record_result(submission, target)
            db.session.commit()
            flash(
                _("Mission created. Generate its shortlist when the needs are chosen."), "success"
            )
            return redirect(target)
    status = 422 if form.is_submitted() else 200
    return render_template("missions/form.html", form=form, mission=None), status


@blueprint.route("/<int:mission_id>/edit", methods=["GET", "POST"])
@staff_required
def edit(mission_id: int):
    mission = db.get_or_404(Mission, mission_id)
    form = _prepare(MissionForm(obj=mission))
    if request.method == "GET":
        form.version.data = str(mission.version)
        form.needs.data = [need.id for need in mission.needs]
    other_change = None
    if form.validate_on_submit():
        try:
            update_mission(
                mission,
                form.mission_data(),
                plannable_needs(form.needs.data or []),
                current_user,
                form.expected_version(),
            )
        except ConflictError as error:
            other_change = report_conflict(error, form)
        except MissionError as error:
            db.session.rollback()
            form.needs.errors.append(str(error))
        except InvalidFields as broken:
            db.session.rollback()
            broken.show_on(form)
        else:
            db.session.commit()
            flash(_("Saved."), "success")
            return redirect(url_for("missions.show", mission_id=mission.id))
    status = 409 if other_change else (422 if form.is_submitted() else 200)
    return render_template(
        "missions/form.html", form=form, mission=mission, other_change=other_change
    ), status


@blueprint.get("/<int:mission_id>")
@login_required
def show(mission_id: int):
    mission = _get_mission(mission_id)
    can_see_list = sees_mission_shortlist(current_user, mission)
    context = {}
    if can_see_list:
        participants = active_participants(mission)
        add_query = request.args.get("add_q", "")[:100]
        context = {
            "participants": participants,
            "excluded": [p for p in mission.participants if p.excluded],
            "coverage": coverage_by_need(mission, participants),
            "interests": interests_for_mission(mission),
            "add_form": AddCompanyForm(),
            "add_query": add_query,
            "hand_candidates": hand_candidates(mission, add_query) if current_user.is_staff else [],
            "action_form": FlaskForm(),
            "status_form": MissionStatusForm().offer(next_statuses(mission)),
        }
    own_row = None
    if current_user.role == Role.COMPANY and current_user.company_id:
        own_row = participant(mission, current_user.company_id)
        if own_row is not None:
            context["own_subjects"] = invitation_subjects(own_row, current_user, str(get_locale()))
            context["own_answer_by"] = answer_by(mission)
    return render_template(
        "missions/show.html",
        reason_label=reason_label,
        mission=mission,
        needs=mission_needs_for(current_user, mission),
        can_see_list=can_see_list,
        own_row=own_row,
        response_form=InvitationResponseForm(),
        confirm_form=ConfirmForm(),
        **context,
    )


@blueprint.post("/<int:mission_id>/shortlist")
@staff_required
def shortlist(mission_id: int):
    mission = db.get_or_404(Mission, mission_id)
    if not FlaskForm().validate_on_submit():
        abort(400)
    try:
        run = generate_shortlist(mission, current_user)
    except MissionError as error:
        db.session.rollback()
        flash(str(error), "error")
    else:
        db.session.commit()
        flash(_rerun_summary(run), "success")
    return redirect(url_for("missions.show", mission_id=mission.id, _anchor="shortlist"))


DROP_REASONS = {
    "cap per need": _l("cap per need"),
    "others cover the needs better": _l("others cover the needs better"),
}


def _rerun_summary(run) -> str:
    """What a run changed: "+2, −1 (Hodogaya Water: cap per need)"."""
    locale = str(get_locale())
    summary = _(
        "Shortlist: %(n)s companies. Added %(added)s, dropped %(dropped)s.",
        n=len(run.shortlist.companies),
        added=len(run.added),
        dropped=len(run.dropped),
    )
    details = [_("added: %(name)s", name=company.name(locale)) for company in run.added]
    details += [
        _("dropped: %(name)s (%(why)s)", name=company.name(locale), why=DROP_REASONS[why])
        for company, why in run.dropped
    ]
    return summary + (" " + "; ".join(details) if details else "")


PARTICIPANT_ACTIONS = ("pin", "unpin", "exclude", "include", "up", "down", "invite", "joined")
ACTION_DONE = {
    "pin": _l("Pinned %(company)s: it stays on re-runs."),
    "unpin": _l("Unpinned %(company)s."),
    "exclude": _l("Excluded %(company)s: it will not come back on re-runs."),
    "include": _l("%(company)s may be proposed again."),
    "up": _l("Moved %(company)s up."),
    "down": _l("Moved %(company)s down."),
    "invite": _l("Invited %(company)s; its members get an email."),
    "joined": _l("Marked %(company)s as joined."),
}


@blueprint.post("/<int:mission_id>/participants/<int:row_id>/<action>")
@staff_required
def participant_action(mission_id: int, row_id: int, action: str):
    row = db.get_or_404(MissionCompany, row_id)
    if row.mission_id != mission_id or action not in PARTICIPANT_ACTIONS:
        abort(404)
    if not FlaskForm().validate_on_submit():
        abort(400)
    try:
        if action in ("pin", "unpin"):
            set_participant_flag(row, current_user, pinned=action == "pin")
        elif action in ("exclude", "include"):
            set_participant_flag(row, current_user, excluded=action == "exclude")
        elif action in ("up", "down"):
            move_participant(row, -1 if action == "up" else 1, current_user)
        elif action == "invite":
            invite(row, current_user)
        else:
            mark_joined(row, current_user)
    except MissionError as error:
        db.session.rollback()
        flash(str(error), "error")
    else:
        db.session.commit()
        name = row.company.name(str(get_locale()))
        flash(str(ACTION_DONE[action]) % {"company": name}, "success")
    return redirect(url_for("missions.show", mission_id=mission_id, _anchor="shortlist"))


@blueprint.post("/<int:mission_id>/participants")
@staff_required
def add_participant(mission_id: int):
    mission = db.get_or_404(Mission, mission_id)
    form = AddCompanyForm()
    company = listed_company(form.company_id.data) if form.validate_on_submit() else None
    if company is not None:
        add_company_by_hand(mission, company, current_user)
        db.session.commit()
        flash(_("Company added and pinned."), "success")
    else:
        flash(_("Choose an approved company."), "error")
    return redirect(url_for("missions.show", mission_id=mission.id, _anchor="shortlist"))


@blueprint.post("/<int:mission_id>/status")
@staff_required
def change_status(mission_id: int):
    mission = db.get_or_404(Mission, mission_id)
    form = MissionStatusForm().offer(next_statuses(mission))
    if form.validate_on_submit():
        change_mission_status(mission, MissionStatus(form.status.data), current_user)
        db.session.commit()
        flash(_("Status changed."), "success")
    else:
        flash(_("Choose one of the statuses offered."), "error")
    return redirect(url_for("missions.show", mission_id=mission.id))


@blueprint.post("/<int:mission_id>/respond")
@roles_required(Role.COMPANY)
def respond(mission_id: int):
    mission = _get_mission(mission_id)
    row = participant(mission, current_user.company_id) if current_user.company_id else None
    require(row is not None and row.archived_at is None)
    form = InvitationResponseForm()
    if form.validate_on_submit():
        try:
            respond_to_invitation(
                row, form.decision.data == "accept", form.note.data or "", current_user
            )
        except MissionError as error:
            db.session.rollback()
            flash(str(error), "error")
        else:
            db.session.commit()
            flash(_("Thank you, your answer is recorded."), "success")
    else:
        flash(_("Choose whether you will join."), "error")
    return redirect(url_for("missions.show", mission_id=mission.id))


def _download(content: bytes, content_type: str, filename: str) -> Response:
    response = Response(content, content_type=content_type)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _shortlist_file(mission_id: int, file_format: str) -> Response:
    mission = db.get_or_404(Mission, mission_id)
    writer = WRITERS[file_format]
    return _download(
        writer.to_bytes(shortlist_sheets(mission, str(get_locale()))),
        writer.mimetype,
        writer.filename(f"mission-{mission.id}-shortlist"),
    )


@blueprint.get("/<int:mission_id>/shortlist.xlsx")
@staff_required
def export_xlsx(mission_id: int):
    return _shortlist_file(mission_id, "xlsx")


@blueprint.get("/<int:mission_id>/shortlist.csv")
@staff_required
def export_csv(mission_id: int):
    return _shortlist_file(mission_id, "csv")


@blueprint.get("/<int:mission_id>/print")
@staff_required
def print_view(mission_id: int):
    mission = db.get_or_404(Mission, mission_id)
    participants = active_participants(mission)
    return render_template(
        "missions/print.html",
        mission=mission,
        participants=participants,
        coverage=coverage_by_need(mission, participants),
    )


@blueprint.get("/<int:mission_id>/calendar.ics")
@login_required
def calendar(mission_id: int):
    mission = _get_mission(mission_id)
    if mission.start_date is None:
        abort(404)
    return _download(
        mission_calendar(mission, request.host),
        CALENDAR_MIMETYPE,
        f"mission-{mission.id}.ics",
    )


@blueprint.get("/<int:mission_id>/history")
@staff_required
def history(mission_id: int):
    mission = db.get_or_404(Mission, mission_id)
    return render_history(
        mission,
        mission.title,
        url_for("missions.show", mission_id=mission.id),
        restore_to=("missions.restore_version", {"mission_id": mission.id}),
    )


# What "restore this version" puts back.
RESTORABLE_FIELDS = ("title", "start_date", "end_date", "slots", "per_need_cap", "notes")


@blueprint.post("/<int:mission_id>/history/<int:entry_id>/restore")
@staff_required
def restore_version(mission_id: int, entry_id: int):
    mission = db.get_or_404(Mission, mission_id)
    return restore_version_from_history(
        mission, entry_id, RESTORABLE_FIELDS, url_for("missions.history", mission_id=mission.id)
    )


@blueprint.get("/invitations")
@roles_required(Role.COMPANY)
def invitations():
    rows = invitations_for_company(current_user.company_id) if current_user.company_id else []
    return render_template(
        "missions/invitations.html",
        rows=rows,
        response_form=InvitationResponseForm(),
        answer_by=answer_by,
    )
