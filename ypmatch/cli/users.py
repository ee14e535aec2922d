"""``ypmatch users …``: accounts from the command line."""

import sys

import click
import sqlalchemy as sa

from ypmatch.extensions import db
from ypmatch.models import Company, PartnerCity, Role, User
from ypmatch.services.accounts import AccountError, create_user, find_user_by_email
from ypmatch.services.tokens import TokenError, create_token


@click.group("users")
def users_group() -> None:
    """Create and list accounts."""


def _read_password() -> str:
    if sys.stdin.isatty():
        return click.prompt("Password", hide_input=True, confirmation_prompt=True)
    password = sys.stdin.readline().rstrip("\r\n")
    if not password:
        raise click.ClickException("No password on standard input.")
    return password


@users_group.command("create")
@click.argument("email")
@click.option("--role", type=click.Choice([role.value for role in Role]), required=True)
@click.option("--company", "company_id", type=int, help="The company of a company member.")
@click.option("--city", "city_id", type=int, help="The city of a city focal point.")
@click.option("--name", default="", help="The person's name.")
def create_user_command(
    email: str, role: str, company_id: int | None, city_id: int | None, name: str
) -> None:
    """Create an account; the password is read from standard input when it is not a TTY."""
    if company_id is not None and db.session.get(Company, company_id) is None:
        raise click.ClickException(f"There is no company with id {company_id}.")
    if city_id is not None and db.session.get(PartnerCity, city_id) is None:
        raise click.ClickException(f"There is no city with id {city_id}.")
    if "@" not in email or len(email) > 254:
        raise click.ClickException(f"{email!r} is not an email address.")
    password = _read_password()
    try:
        user = create_user(
            email,
            password,
            role,
            None,
            name=name,
            company_id=company_id,
            city_id=city_id,
            source="cli",
        )
    except AccountError as error:
        db.session.rollback()
        raise click.ClickException(str(error)) from error
    db.session.commit()
    click.echo(f"Created {user.role} account {user.email} (id {user.id}).")


@users_group.command("list")
def list_users_command() -> None:
    """List accounts with their role and company or city."""
    users = db.session.scalars(sa.select(User).order_by(User.id)).all()
    if not users:
        click.echo("No accounts.")
        return
    click.echo(f"{'id':>4}  {'email':<36} {'role':<8} {'active':<6} company/city")
    for user in users:
        attached = ""
        if user.company is not None:
            attached = user.company.name_en or user.company.name_ja
        elif user.city is not None:
            attached = user.city.name_en
        click.echo(
            f"{user.id:>4}  {user.email:<36} {user.role:<8} {'yes' if user.active else 'no':<6} "
            f"{attached}"
        )


@users_group.command("token")
@click.argument("email")
@click.option("--name", default="command line", show_default=True, help="What the token is for.")
def create_token_command(email: str, name: str) -> None:
    """Create a personal API token for an account and print it (it is shown only once)."""
    user = find_user_by_email(email)
    if user is None:
        raise click.ClickException(
            f"There is no account for {email!r}; `ypmatch users list` shows the accounts."
        )
    if not user.active:
        raise click.ClickException(f"The account {user.email} is deactivated; activate it first.")
    try:
        token, plaintext = create_token(user, name, source="cli")
    except TokenError as error:
        db.session.rollback()
        raise click.ClickException(str(error)) from error
    db.session.commit()
    click.echo(
        f"Created API token {token.name!r} for {user.email} ({user.role}). "
        "Copy it now; it cannot be shown again:",
        err=True,
    )
    click.echo(plaintext)
