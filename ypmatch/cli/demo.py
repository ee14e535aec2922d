"""``ypmatch seed-demo``."""

import click

from ypmatch.demo.seed import DEMO_ACCOUNTS, DemoDataRefused, database_state, seed_demo
from ypmatch.extensions import db
from ypmatch.services.embeddings import app_encoder


@click.command("seed-demo")
@click.option(
    "--if-empty",
    is_flag=True,
    help="Do nothing (and succeed) when the database holds any data.",
)
@click.option("--show-logins", is_flag=True, help="Print the demo accounts afterwards.")
def seed_demo_command(if_empty: bool, show_logins: bool) -> None:
    """Load the demo cities, needs, companies and one account per role."""
    state = database_state()
    if state == "demo" or (if_empty and state != "empty"):
        click.echo("The database holds data already; the demo was not loaded again.")
    elif state == "other":
        raise click.ClickException(
            "The database holds records that are not the demo's. The demo is only loaded "
            "into an empty database, so invented records never mix with real ones."
        )
    else:
        try:
            counts = seed_demo()
        except DemoDataRefused as error:  # another process seeded in between
            db.session.rollback()
            raise click.ClickException(f"The database is not empty ({error}).") from error
        db.session.commit()
        app_encoder().store.flush()  # embeddings a busy database kept queued during the seed
        click.echo(
            "Demo data loaded: "
            + ", ".join(f"{count} {name}" for name, count in counts.items())
            + "."
        )
    if show_logins and database_state() == "demo":
        click.echo("Demo sign-ins (email / password):")
        for account in DEMO_ACCOUNTS:
            click.echo(f"  {account.role:<8} {account.email:<32} {account.password}")
