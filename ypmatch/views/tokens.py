"""Personal API tokens: each user creates and revokes their own on the account page."""

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ypmatch.extensions import db
from ypmatch.forms.tokens import RevokeTokenForm, TokenForm
from ypmatch.models import ApiToken
from ypmatch.services.tokens import create_token, revoke_token, tokens_of

blueprint = Blueprint("tokens", __name__, url_prefix="/account/tokens")


def _render(form: TokenForm, new_token: str | None = None, status: int = 200):
    page = render_template(
        "accounts/tokens.html",
        form=form,
        revoke_form=RevokeTokenForm(),
        tokens=tokens_of(current_user),
        new_token=new_token,
    )
    return page, status, {"Cache-Control": "no-store"}


@blueprint.get("/")
@login_required
def index():
    return _render(TokenForm())


@blueprint.post("/")
@login_required
def create():
    form = TokenForm()
    if not form.validate_on_submit():
        return _render(form, status=422)
    token, plaintext = create_token(current_user, form.name.data)
    db.session.commit()
    flash(
        _("Token “%(name)s” created. Copy it now: it will not be shown again.", name=token.name),
        "success",
    )
    # The plaintext is in this response only: no redirect, nothing kept in the session.
    return _render(TokenForm(formdata=None), new_token=plaintext)


@blueprint.post("/<int:token_id>/revoke")
@login_required
def revoke(token_id: int):
    token = db.get_or_404(ApiToken, token_id)
    if token.user_id != current_user.id:
        abort(404)
    if RevokeTokenForm().validate_on_submit():
        revoke_token(token, current_user)
        db.session.commit()
        flash(
            _("Token “%(name)s” revoked; programs using it are now refused.", name=token.name),
            "success",
        )
    else:
        flash(_("The request could not be checked; nothing was changed."), "error")
    return redirect(url_for("tokens.index"))
