"""Accounts and roles, for admins."""

import secrets

import sqlalchemy as sa
from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm

from ypmatch import clock
from ypmatch.extensions import db
from ypmatch.forms.admin import UserForm
from ypmatch.forms.common import as_choices
from ypmatch.models import Company, MessageStatus, OutgoingMessage, Role, User
from ypmatch.permissions import roles_required
from ypmatch.services.accounts import AccountError, create_user, update_account
from ypmatch.services.cities import active_cities
from ypmatch.services.mail import requeue
from ypmatch.views.records import paginate_request

blueprint = Blueprint("admin", __name__, url_prefix="/admin")
admin_required = roles_required(Role.ADMIN)


def _prepare_form(form: UserForm) -> UserForm:
    locale = str(get_locale())
    companies = db.session.scalars(
        sa.select(Company).where(Company.is_current).order_by(Company.name_en)
    )
    form.company_id.choices = as_choices([(0, "—")] + [(c.id, c.name(locale)) for c in companies])
    form.city_id.choices = as_choices(
        [(0, "—")] + [(c.id, c.name(locale)) for c in active_cities()]
    )
    return form


@blueprint.get("/users")
@admin_required
def users():
    role = request.args.get("role", "")
    query = sa.select(User).order_by(User.email)
    if role in set(Role):
        query = query.where(User.role == role)
    page = paginate_request(query)
    return render_template("admin/users.html", page=page, role=role)


@blueprint.route("/users/new", methods=["GET", "POST"])
@admin_required
def create_user_view():
    form = _prepare_form(UserForm())
    if form.validate_on_submit():
        password = form.password.data or secrets.token_urlsafe(12)
        try:
            user = create_user(
                form.email.data,
                password,
                form.role.data,
                current_user,
                name=form.name.data or "",
                company_id=form.company_id.data or None,
                city_id=form.city_id.data or None,
            )
        except AccountError as error:
            db.session.rollback()
            form.email.errors.append(str(error))
        else:
            db.session.commit()
            if form.password.data:
                flash(_("Account %(email)s created.", email=user.email), "success")
            else:
                flash(
                    _(
                        "Account %(email)s created with the one-time password %(password)s — "
                        "pass it on securely.",
                        email=user.email,
                        password=password,
                    ),
                    "success",
                )
            return redirect(url_for("admin.users"))
    status = 422 if form.is_submitted() else 200
    return render_template("admin/user_form.html", form=form, user=None), status


@blueprint.route("/users/<int:user_id>/edit", methods=["GET", "POST"])
@admin_required
def edit_user(user_id: int):
    user = db.get_or_404(User, user_id)
    form = _prepare_form(UserForm(obj=user))
    del form.password
    if request.method == "GET":
        form.company_id.data = user.company_id or 0
        form.city_id.data = user.city_id or 0
    if form.validate_on_submit():
        if user.id == current_user.id and (form.role.data != Role.ADMIN or not form.active.data):
            form.role.errors.append(_("You cannot remove your own admin access."))
        else:
            update_account(
                user,
                {
                    "email": form.email.data.strip().lower(),
                    "name": form.name.data or "",
                    "role": form.role.data,
                    "company_id": form.company_id.data if form.role.data == Role.COMPANY else None,
                    "city_id": form.city_id.data if form.role.data == Role.CITY else None,
                    "active": bool(form.active.data),
                },
                current_user,
            )
            try:
                db.session.commit()
            except sa.exc.IntegrityError:
                db.session.rollback()
                form.email.errors.append(_("Another account uses this email."))
            else:
                flash(_("Account saved."), "success")
                return redirect(url_for("admin.users"))
    status = 422 if form.is_submitted() else 200
    return render_template("admin/user_form.html", form=form, user=user), status


@blueprint.get("/messages")
@admin_required
def messages():
    status = request.args.get("status", "")
    query = sa.select(OutgoingMessage).order_by(OutgoingMessage.id.desc())
    if status in set(MessageStatus):
        query = query.where(OutgoingMessage.status == status)
    page = paginate_request(query)
    counts = dict(
        db.session.execute(
            sa.select(OutgoingMessage.status, sa.func.count()).group_by(OutgoingMessage.status)
        ).all()
    )
    return render_template(
        "admin/messages.html",
        page=page,
        status=status,
        counts=counts,
        action_form=FlaskForm(),
        smtp_host=current_app.config["SMTP_HOST"],
    )


@blueprint.get("/messages/<int:message_id>")
@admin_required
def message(message_id: int):
    return render_template(
        "admin/message.html",
        message=db.get_or_404(OutgoingMessage, message_id),
        action_form=FlaskForm(),
    )


@blueprint.post("/messages/<int:message_id>/requeue")
@admin_required
def requeue_message(message_id: int):
    message = db.get_or_404(OutgoingMessage, message_id)
    if FlaskForm().validate_on_submit() and message.status == MessageStatus.FAILED:
        requeue(message, clock.now())
        db.session.commit()
        flash(_("The message will be sent again."), "success")
    return redirect(url_for("admin.messages"))
