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

from ypmatch import clock
from ypmatch.extensions import db, limiter
from ypmatch.forms.auth import AccountForm, LoginForm, PasswordChangeForm, SignUpForm
from ypmatch.models import User
from ypmatch.services.account_tokens import (
    TokenError,
    known_browser_user_id,
    make_known_browser_token,
    make_unlock_token,
    user_for_unlock_token,
)
from ypmatch.services.accounts import AccountError, update_account
from ypmatch.services.companies import sign_up_company
from ypmatch.services.notifications import send_to_user
from ypmatch.services.rules import InvalidFields
from ypmatch.services.sign_in import ThrottleSettings, lift_waits, sign_in
from ypmatch.views.accounts import send_confirmation, token_problem
from ypmatch.views.records import safe_next_url

blueprint = Blueprint("auth", __name__)
# Signed proof that the owner of an account signed in from this browser: the account-wide
# sign-in wait that guesses from elsewhere set off does not apply to it.
KNOWN_BROWSER_COOKIE = "ypmatch_known_browser"
KNOWN_BROWSER_DAYS = 180


def _failed(response) -> bool:
    return response.status_code == 401


def _known_user_id() -> int | None:
    token = request.cookies.get(KNOWN_BROWSER_COOKIE)
    if not token:
        return None
    return known_browser_user_id(
        token, current_app.config["SECRET_KEY"], KNOWN_BROWSER_DAYS * 86400, clock.now()
    )


def _remember_browser(response, user: User):
    response.set_cookie(
        KNOWN_BROWSER_COOKIE,
        make_known_browser_token(user, current_app.config["SECRET_KEY"], clock.now()),
        max_age=KNOWN_BROWSER_DAYS * 86400,
        secure=current_app.config["SESSION_COOKIE_SECURE"],
        httponly=True,
        samesite="Lax",
    )
    return response


def _throttle_settings() -> ThrottleSettings:
    config = current_app.config
    return ThrottleSettings(
        max_failures=config["LOGIN_MAX_FAILURES"],
        account_max_failures=config["LOGIN_ACCOUNT_MAX_FAILURES"],
        max_delay_seconds=config["LOGIN_LOCKOUT_SECONDS"],
    )


def _send_unlock_link(user: User) -> None:
    token = make_unlock_token(user, current_app.config["SECRET_KEY"], clock.now())
    send_to_user(
        user,
        "sign_in_unlock",
        "sign_in_unlock",
        clock.now(),
        token=token,
        minutes=current_app.config["LOGIN_LOCKOUT_SECONDS"] // 60,
    )


@blueprint.route("/login", methods=["GET", "POST"])
# Failed sign-ins are throttled per client address (across workers when the limiter uses a
# shared store); the sign-in service slows guesses at each account on top of this.
@limiter.limit("20 per minute", methods=["POST"], deduct_when=_failed)
def login():
    if current_user.is_authenticated:
        return redirect(url_for("main.index"))
    form = LoginForm()
    if form.validate_on_submit():
        result = sign_in(
            form.email.data,
            form.password.data,
            request.remote_addr or "",
            _known_user_id(),
            _throttle_settings(),
            current_app.config.get("PASSWORD_HASH_METHOD", "scrypt"),
            clock.now(),
        )
        if result.locked_account is not None:
            _send_unlock_link(result.locked_account)
        db.session.commit()  # failure counters are kept even when sign-in fails
        user = result.user
        if user is not None:
            # A fresh session at sign-in: nothing planted before it survives (fixation).
            locale = session.get("locale")
            session.clear()
            if locale:
                session["locale"] = locale
            login_user(user, remember=form.remember.data)
            session["remembered"] = bool(form.remember.data)
            flash(_("Signed in."), "success")
            return _remember_browser(redirect(safe_next_url(request.args.get("next"))), user)
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


@blueprint.get("/login/unlock/<token>")
def unlock(token: str):
    """The emailed link: ends every sign-in wait on the account and marks this browser as
    its owner's, so a guesser elsewhere cannot keep the owner out."""
    try:
        user = user_for_unlock_token(
            token,
            current_app.config["SECRET_KEY"],
            current_app.config["LOGIN_LOCKOUT_SECONDS"] * 4,
            clock.now(),
        )
    except TokenError as error:
        return render_template(
            "accounts/token_problem.html", message=token_problem(error.reason)
        ), 400
    lift_waits(user)
    db.session.commit()
    flash(_("You can sign in again from this browser."), "success")
    return _remember_browser(redirect(url_for("auth.login")), user)


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
        except InvalidFields as broken:  # the company's rules live in the service
            db.session.rollback()
            broken.show_on(form)
            return render_template("auth/signup.html", form=form), 422
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
