"""store glossary surface forms as written, not as \\u escapes

Revision ID: 7a3c9e1f0b52
Revises: 5e1b7c2a9d40
Create Date: 2026-12-06 02:30:00.000000

"""
import json

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '7a3c9e1f0b52'
down_revision = '5e1b7c2a9d40'
branch_labels = None
depends_on = None

concepts = sa.table(
    "glossary_concepts",
    sa.column("id", sa.Integer),
    sa.column("forms_en", sa.Text),
    sa.column("forms_ja", sa.Text),
)


def _rewrite(ensure_ascii: bool) -> None:
    # Read and written as text, so the JSON is re-serialised here and nowhere else.
    connection = op.get_bind()
    rows = connection.execute(
        sa.select(
            concepts.c.id,
            sa.cast(concepts.c.forms_en, sa.Text),
            sa.cast(concepts.c.forms_ja, sa.Text),
        )
    ).all()
    for concept_id, forms_en, forms_ja in rows:
        values = {
            name: json.dumps(json.loads(text), ensure_ascii=ensure_ascii)
            for name, text in (("forms_en", forms_en), ("forms_ja", forms_ja))
            if text is not None
        }
        if values:
            if connection.dialect.name == "postgresql":
                values = {
                    name: sa.cast(sa.literal(text, sa.Text), sa.JSON)
                    for name, text in values.items()
                }
            connection.execute(
                sa.update(concepts).where(concepts.c.id == concept_id).values(**values)
            )


def upgrade():
    _rewrite(ensure_ascii=False)


def downgrade():
    _rewrite(ensure_ascii=True)
