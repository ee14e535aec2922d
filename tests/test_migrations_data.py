"""Migrations keep existing rows: upgrade a database that holds data, step by step."""

import pytest
import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

from ypmatch import create_app
from ypmatch.extensions import db


def _app(database_url, tmp_path):
    return create_app(
        {"SQLALCHEMY_DATABASE_URI": database_url, "SECRET_KEY": "x", "INSTANCE_PATH": str(tmp_path)}
    )


@pytest.mark.no_db
def test_upgrade_with_data_in_the_tables(empty_database_url, tmp_path):
    app = _app(empty_database_url, tmp_path)
    with app.app_context():
        upgrade(revision="c4b0a8618a9e")  # before the mail and alert columns existed
        with db.engine.begin() as connection:
            connection.execute(
                sa.text(
                    "INSERT INTO users (email, name, password_hash, role, locale, active, "
                    "failed_logins, session_token, created_at, updated_at) VALUES "
                    "('old@example.org', 'Old', 'x', 'curator', '', true, 0, 't', "
                    "CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
                )
            )
        upgrade()
        with db.engine.connect() as connection:
            frequency = connection.execute(
                sa.text("SELECT alert_frequency FROM users WHERE email = 'old@example.org'")
            ).scalar_one()
        assert frequency == "daily"
        downgrade(revision="c4b0a8618a9e")
        with db.engine.connect() as connection:
            count = connection.execute(sa.text("SELECT count(*) FROM users")).scalar_one()
        assert count == 1
        db.engine.dispose()


@pytest.mark.no_db
def test_glossary_forms_written_as_escapes_are_stored_as_written(empty_database_url, tmp_path):
    app = _app(empty_database_url, tmp_path)
    with app.app_context():
        upgrade(revision="5e1b7c2a9d40")
        with db.engine.begin() as connection:
            connection.execute(
                sa.text(
                    "INSERT INTO glossary_concepts (key, label_en, label_ja, forms_en, forms_ja, "
                    "version, created_at, updated_at) VALUES ('ro', 'reverse osmosis', 'RO', "
                    "'[\"RO\"]', '[\"\\u9006\\u6d78\\u900f\"]', 1, "
                    "CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
                )
            )
        upgrade()

        def stored() -> str:
            with db.engine.connect() as connection:
                return connection.execute(
                    sa.text("SELECT CAST(forms_ja AS TEXT) FROM glossary_concepts")
                ).scalar_one()

        assert stored() == '["逆浸透"]'
        downgrade(revision="5e1b7c2a9d40")
        assert stored() == '["\\u9006\\u6d78\\u900f"]'
        db.engine.dispose()
