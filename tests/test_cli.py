"""The ypmatch command line: seed-demo, users create/list."""

import sqlalchemy as sa

from ypmatch.extensions import db
from ypmatch.models import Company, HistoryEntry, Need, Technology, User


def test_seed_demo_loads_everything_once(runner):
    result = runner.invoke(args=["seed-demo", "--show-logins"])
    assert result.exit_code == 0, result.output
    assert "Demo data loaded" in result.output
    assert "curator@demo.ypmatch.example" in result.output
    assert db.session.scalar(sa.select(sa.func.count(Need.id))) >= 30
    assert db.session.scalar(sa.select(sa.func.count(Company.id))) >= 60
    assert db.session.scalar(sa.select(sa.func.count(Technology.id))) >= 100
    needs_in_japanese = db.session.scalar(
        sa.select(sa.func.count(Need.id)).where(Need.title_ja != "", Need.title_en == "")
    )
    assert needs_in_japanese >= 3
    assert db.session.scalar(
        sa.select(sa.func.count(HistoryEntry.id)).where(HistoryEntry.source == "seed")
    ) > 100
    # Running it again changes nothing.
    again = runner.invoke(args=["seed-demo"])
    assert again.exit_code == 0
    assert "not loaded again" in again.output


def test_seed_demo_refuses_a_database_with_real_data(runner, world):
    result = runner.invoke(args=["seed-demo"])
    assert result.exit_code != 0
    assert "not the demo's" in result.output
    assert db.session.scalar(sa.select(sa.func.count(Need.id))) == 4


def test_seed_demo_if_empty_leaves_real_data_alone(runner, world):
    result = runner.invoke(args=["seed-demo", "--if-empty"])
    assert result.exit_code == 0
    assert db.session.scalar(sa.select(sa.func.count(Need.id))) == 4


def test_users_create_reads_password_from_stdin(runner, world):
    result = runner.invoke(
        args=["users", "create", "New@Example.org", "--role", "company", "--company",
              str(world.company_b.id), "--name", "New Member"],
        input="a-long-enough-password\n",
    )
    assert result.exit_code == 0, result.output
    user = db.session.scalar(sa.select(User).where(User.email == "new@example.org"))
    assert user.company_id == world.company_b.id
    assert user.check_password("a-long-enough-password")
    listing = runner.invoke(args=["users", "list"])
    assert "new@example.org" in listing.output
    assert "Tsurumi Environment" in listing.output


def test_users_create_rejects_bad_input(runner, world):
    cases = [
        (["users", "create", "x@example.org", "--role", "company"], "needs a company"),
        (["users", "create", "x@example.org", "--role", "city"], "needs a city"),
        (["users", "create", "x@example.org", "--role", "wizard"], "Invalid value"),
        (["users", "create", "x@example.org", "--role", "company", "--company", "9999"],
         "no company"),
        (["users", "create", "curator@example.org", "--role", "curator"], "exists already"),
        (["users", "create", "not-an-email", "--role", "curator"], "not an email"),
    ]
    for args, message in cases:
        result = runner.invoke(args=args, input="a-long-enough-password\n")
        assert result.exit_code != 0, args
        assert message in result.output, (args, result.output)
    short = runner.invoke(args=["users", "create", "y@example.org", "--role", "curator"],
                          input="short\n")
    assert short.exit_code != 0
    assert "at least 10 characters" in short.output


def test_glossary_load_shipped_is_idempotent(runner, world):
    first = runner.invoke(args=["glossary", "load-shipped"])
    assert first.exit_code == 0, first.output
    added = int(first.output.split()[1])
    assert added >= 300
    again = runner.invoke(args=["glossary", "load-shipped"])
    assert again.output.startswith("Added 0 concepts")
    listing = runner.invoke(args=["glossary", "list"])
    assert "non_revenue_water" in listing.output
