"""trigram indexes for keyword search on PostgreSQL

Revision ID: b8d41f6c2e07
Revises: 7a3c9e1f0b52
Create Date: 2026-12-06 03:10:00.000000

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = 'b8d41f6c2e07'
down_revision = '7a3c9e1f0b52'
branch_labels = None
depends_on = None

SEARCHED = {
    "companies": ("name_ja", "name_en", "description_ja", "description_en"),
    "technologies": ("title_ja", "title_en", "description_ja", "description_en"),
}


def upgrade():
    if op.get_bind().dialect.name != "postgresql":
        return  # SQLite scans: fine at its size
    op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for table, columns in SEARCHED.items():
        for column in columns:
            op.create_index(
                f"ix_{table}_{column}_trgm",
                table,
                [column],
                postgresql_using="gin",
                postgresql_ops={column: "gin_trgm_ops"},
            )


def downgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    for table, columns in SEARCHED.items():
        for column in columns:
            op.drop_index(f"ix_{table}_{column}_trgm", table_name=table)
