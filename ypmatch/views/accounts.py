"""Account upkeep: password reset, email confirmation, colleagues, saved searches, deletion."""

import secrets

import sqlalchemy as sa
from flask import Blueprint, abort, current_app, flash, redirect, render_template, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required, logout_user
from flask_wtf import FlaskForm

from ypmatch import clock
from ypmatch.extensions import db, limiter
from ypmatch.forms.accounts import (
    DeleteAccountForm,
    ForgotPasswordForm,
    InviteMemberForm,
    ResetPasswordForm,
    SavedSearchForm,
)
from ypmatch.forms.common import as_choices
from ypmatch.models import Company, SavedSearch, User
from ypmatch.permissions import can_edit_company, can_view_company, require
from ypmatch.services.account_tokens import (
    TokenError,
    make_confirm_token,
    make_password_token,
    user_for_confirm_token,
    user_for_password_token,
)
from ypmatch.services.accounts import (
    AccountError,
    anonymise_account,
    find_user_by_email,
    invite_company_member,
)
from ypmatch.services.cities import active_cities, active_sectors
from ypmatch.services.companies import company_members
from ypmatch.services.notifications import send_to_user
from ypmatch.services.sign_in import lift_waits

blueprint = Blueprint("accounts", __name__)
INVITATION_DAYS = 7
CONFIRM_DAYS = 7


def token_problem(reason: str) -> str:
    return {
        "expired": _("This link has expired. Ask for a new one."),
        "used": _("This link has been used already."),
    }.get(
        reason,
        _("This link is not valid. Copy the whole link from the email, or ask for a new one."),
    )


def send_confirmation(user: User) -> None:
    token = make_confirm_token(user, current_app.config["SECRET_KEY"], clock.now())
    send_to_user(user, "confirm_email", "confirm_email", clock.now(), token=token)


@blueprint.route("/password/forgot", methods=["GET", "POST"])
@limiter.limit("5 per minute", methods=["POST"])
def forgot_password():
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        user = find_user_by_email(form.email.data)
        if user is not None and user.active and user.deleted_at is None:
            token = make_password_token(
                user, current_app.config["SECRET_KEY"], "reset", clock.now()
            )
            send_to_user(
                user,
                "password_reset",
                "password_reset",
                clock.now(),
                token=token,
                hours=current_app.config["PASSWORD_RESET_HOURS"],
            )
            db.session.commit()
        # The same answer either way, so nobody learns which addresses have accounts.
        flash(
            _("If an account uses this address, we have sent it a link to choose a new password."),
            "success",
        )
        return redirect(url_for("auth.login"))
    return render_template("accounts/forgot.html", form=form)


def _set_password_page(token: str, purpose: str, max_age: int):
    try:
        user = user_for_password_token(
            token, current_app.config["SECRET_KEY"], purpose, max_age, clock.now()
        )
    except TokenError as error:
        return render_template(
            "accounts/token_problem.html", message=token_problem(error.reason)
        ), 400
    form = ResetPasswordForm()
    if form.validate_on_submit():
        user.set_password(form.password.data)
        lift_waits(user)
        if user.email_confirmed_at is None:
            user.email_confirmed_at = clock.now()  # the emailed link proved the address
        user.session_token = secrets.token_hex(16)  # sessions opened with the old password end
        db.session.commit()
        flash(_("Your new password is set. Sign in with it."), "success")
        return redirect(url_for("auth.login"))
    status = 422 if form.is_submitted() else 200
    return render_template("accounts/reset.html", form=form, user=user), status


@blueprint.route("/password/reset/<token>", methods=["GET", "POST"])
def reset_password(token: str):
    return _set_password_page(token, "reset", current_app.config["PASSWORD_RESET_HOURS"] * 3600)


@blueprint.route("/welcome/<token>", methods=["GET", "POST"])
def accept_invitation(token: str):
    return _set_password_page(token, "invite", INVITATION_DAYS * 86400)


@blueprint.get("/confirm/<token>")
def confirm_email(token: str):
    try:
        user = user_for_confirm_token(
            token, current_app.config["SECRET_KEY"], CONFIRM_DAYS * 86400, clock.now()
        )
    except TokenError as error:
        return render_template(
            "accounts/token_problem.html", message=token_problem(error.reason)
        ), 400
    user.email_confirmed_at = clock.now()
    db.session.commit()
    flash(_("Thank you, your email address is confirmed."), "success")
    return redirect(url_for("main.index"))


@blueprint.post("/confirm/resend")
@login_required
def resend_confirmation():
    if FlaskForm().validate_on_submit() and current_user.email_confirmed_at is None:
        send_confirmation(current_user._get_current_object())
        db.session.commit()
        flash(_("We have sent the confirmation link again."), "success")
    return redirect(url_for("auth.account"))


@blueprint.route("/companies/<int:company_id>/members", methods=["GET", "POST"])
@login_required
def members(company_id: int):
    company = db.get_or_404(Company, company_id)
    if not can_view_company(current_user, company):
        abort(404)  # a hidden company is missing, not forbidden
    require(can_edit_company(current_user, company))
    form = InviteMemberForm()
    if form.validate_on_submit():
        try:
            user = invite_company_member(
                company.id, form.email.data, form.name.data or "", current_user
            )
        except AccountError:
            db.session.rollback()
            form.email.errors.append(
                _("This address cannot be invited. It may have an account already.")
            )
        else:
            token = make_password_token(
                user, current_app.config["SECRET_KEY"], "invite", clock.now()
            )
            send_to_user(
                user,
                "member_invitation",
                "member_invitation",
                clock.now(),
                token=token,
                inviter=current_user,
                company=company,
                days=INVITATION_DAYS,
            )
            db.session.commit()
            flash(
                _(
                    "%(email)s is invited; the email has a link to choose a password.",
                    email=user.email,
                ),
                "success",
            )
            return redirect(url_for("accounts.members", company_id=company.id))
    status = 422 if form.is_submitted() else 200
    return render_template(
        "accounts/members.html", company=company, form=form, members=company_members(company.id)
    ), status


def _prepare_search_form(form: SavedSearchForm) -> SavedSearchForm:
    locale = str(get_locale())
    form.city_id.choices = as_choices(
        [(0, "—")] + [(c.id, c.name(locale)) for c in active_cities()]
    )
    form.sector_id.choices = as_choices(
        [(0, "—")] + [(s.id, s.name(locale)) for s in active_sectors()]
    )
    if not current_user.is_staff:
        form.target.choices = as_choices([("needs", _("New needs"))])
    return form


@blueprint.route("/account/searches", methods=["GET", "POST"])
@login_required
def saved_searches():
    form = _prepare_search_form(SavedSearchForm())
    if form.validate_on_submit():
        db.session.add(
            SavedSearch(
                user_id=current_user.id,
                name=form.name.data,
                target=form.target.data,
                text=form.text.data or "",
                city_id=form.city_id.data or None,
                sector_id=form.sector_id.data or None,
                last_checked_at=clock.now(),
            )
        )
        db.session.commit()
        flash(_("Search saved; you will be told about new results."), "success")
        return redirect(url_for("accounts.saved_searches"))
    searches = db.session.scalars(
        sa.select(SavedSearch)
        .where(SavedSearch.user_id == current_user.id)
        .order_by(SavedSearch.id)
    ).all()
    status = 422 if form.is_submitted() else 200
    return render_template(
        "accounts/searches.html", form=form, searches=searches, delete_form=FlaskForm()
    ), status


@blueprint.post("/account/searches/<int:search_id>/delete")
@login_required
def delete_search(search_id: int):
    search = db.get_or_404(SavedSearch, search_id)
    require(search.user_id == current_user.id)
    if FlaskForm().validate_on_submit():
        db.session.delete(search)
        db.session.commit()
        flash(_("Saved search removed."), "success")
    return redirect(url_for("accounts.saved_searches"))


@blueprint.route("/account/delete", methods=["GET", "POST"])
@login_required
def delete_account():
    form = DeleteAccountForm()
    if form.validate_on_submit():
        if not current_user.check_password(form.password.data):
            form.password.errors.append(_("This is not your current password."))
        else:
            user = current_user._get_current_object()
            logout_user()
            anonymise_account(user, user)
            db.session.commit()
            flash(_("Your account is deleted. Your company's records remain."), "success")
            return redirect(url_for("main.index"))
    status = 422 if form.is_submitted() else 200
    return render_template("accounts/delete.html", form=form), status
