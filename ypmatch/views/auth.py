"""Sign-in, sign-out, company sign-up and account settings."""

import secrets

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user
from flask_wtf import FlaskForm

from ypmatch.extensions import db, limiter
from ypmatch.forms.auth import AccountForm, LoginForm, PasswordChangeForm, SignUpForm
from ypmatch.services.accounts import AccountError, authenticate, update_account
from ypmatch.services.companies import sign_up_company
from ypmatch.views.accounts import send_confirmation
from ypmatch.views.records import safe_next_url

blueprint = Blueprint("auth", __name__)


def _submitted_email() -> str:
    return "login-account:" + (request.form.get("email", "") or "").strip().lower()[:254]


def _failed(response) -> bool:
    return response.status_code == 401


@blueprint.route("/login", methods=["GET", "POST"])
# Failed sign-ins are throttled per address and per account, across workers when the
# limiter uses a shared store; the account lockout in the service adds to this.
@limiter.limit("20 per minute", methods=["POST"], deduct_when=_failed)
@limiter.limit(
    "10 per 10 minutes", methods=["POST"], key_func=_submitted_email, deduct_when=_failed
)
def login():
    if current_user.is_authenticated:
        return redirect(url_for("main.index"))
    form = LoginForm()
    if form.validate_on_submit():
        user = authenticate(
            form.email.data,
            form.password.data,
            current_app.config["LOGIN_MAX_FAILURES"],
            current_app.config["LOGIN_LOCKOUT_SECONDS"],
        )
        db.session.commit()  # failure counters are kept even when sign-in fails
        if user is not None:
            # A fresh session at sign-in: nothing planted before it survives (fixation).
            locale = session.get("locale")
            session.clear()
            if locale:
                session["locale"] = locale
            login_user(user, remember=form.remember.data)
            flash(_("Signed in."), "success")
            return redirect(safe_next_url(request.args.get("next")))
        # One message for every failure, so nobody learns which accounts exist.
        flash(
            _(
                "Email or password is wrong, or the account is locked for a while after "
                "too many attempts."
            ),
            "error",
        )
        return render_template("auth/login.html", form=form), 401
    return render_template("auth/login.html", form=form)


@blueprint.post("/logout")
def logout():
    form = FlaskForm()
    if form.validate_on_submit() and current_user.is_authenticated:
        user = current_user._get_current_object()
        # A copied session cookie must not work after sign-out: the token it carries is
        # replaced (this signs the account out on its other devices too).
        user.session_token = secrets.token_hex(16)
        db.session.commit()
        logout_user()
        session.clear()
        flash(_("Signed out."), "success")
    return redirect(url_for("main.index"))


@blueprint.route("/signup", methods=["GET", "POST"])
@limiter.limit("10 per minute", methods=["POST"])
def signup():
    if current_user.is_authenticated:
        return redirect(url_for("main.index"))
    form = SignUpForm()
    if form.validate_on_submit():
        try:
            _company, user = sign_up_company(
                form.profile_data(),
                form.email.data,
                form.password.data,
                form.person_name.data,
                locale=str(get_locale()),
            )
        except AccountError:
            db.session.rollback()
            # Same answer whether or not the address is known: no account enumeration.
            flash(
                _(
                    "We could not create an account with this email. If you already have one, "
                    "sign in instead."
                ),
                "error",
            )
            return render_template("auth/signup.html", form=form), 422
        send_confirmation(user)
        db.session.commit()
        login_user(user)
        flash(
            _(
                "Thank you. The bureau will review your company and you will be able to add "
                "technologies once it is approved."
            ),
            "success",
        )
        return redirect(url_for("companies.show", company_id=user.company_id))
    status = 422 if form.is_submitted() else 200
    return render_template("auth/signup.html", form=form), status


@blueprint.route("/account", methods=["GET", "POST"])
@login_required
def account():
    form = AccountForm(obj=current_user)
    password_form = PasswordChangeForm(prefix="pw")
    if form.validate_on_submit():
        update_account(
            current_user, {"name": form.name.data, "locale": form.locale.data}, current_user
        )
        db.session.commit()
        flash(_("Your settings are saved."), "success")
        return redirect(url_for("auth.account"))
    status = 422 if form.is_submitted() else 200
    return render_template("auth/account.html", form=form, password_form=password_form), status


@blueprint.post("/account/password")
@login_required
def change_password():
    form = AccountForm(obj=current_user)
    password_form = PasswordChangeForm(prefix="pw")
    if password_form.validate_on_submit():
        if not current_user.check_password(password_form.current_password.data):
            password_form.current_password.errors.append(_("This is not your current password."))
        else:
            user = current_user._get_current_object()
            user.set_password(password_form.new_password.data)
            user.session_token = secrets.token_hex(16)
            db.session.commit()
            login_user(user)  # this session carries the new token; the others are now stale
            flash(_("Your password is changed; other sessions are signed out."), "success")
            return redirect(url_for("auth.account"))
    return render_template("auth/account.html", form=form, password_form=password_form), 422
