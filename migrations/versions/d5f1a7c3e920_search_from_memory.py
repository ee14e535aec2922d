"""keyword search reads companies from memory: updated_at indexes instead of trigram indexes

Revision ID: d5f1a7c3e920
Revises: c2e8f4a61d93
Create Date: 2026-12-06 06:20:00.000000

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = 'd5f1a7c3e920'
down_revision = 'c2e8f4a61d93'
branch_labels = None
depends_on = None

TRIGRAM_INDEXED = {
    "companies": ("name_ja", "name_en", "description_ja", "description_en"),
    "technologies": ("title_ja", "title_en", "description_ja", "description_en"),
}


def upgrade():
    for table in TRIGRAM_INDEXED:
        op.create_index(f"ix_{table}_updated_at", table, ["updated_at"], unique=False)
    if op.get_bind().dialect.name == "postgresql":
        for table, columns in TRIGRAM_INDEXED.items():
            for column in columns:
                op.drop_index(f"ix_{table}_{column}_trgm", table_name=table)


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        for table, columns in TRIGRAM_INDEXED.items():
            for column in columns:
                op.create_index(
                    f"ix_{table}_{column}_trgm",
                    table,
                    [column],
                    postgresql_using="gin",
                    postgresql_ops={column: "gin_trgm_ops"},
                )
    for table in TRIGRAM_INDEXED:
        op.drop_index(f"ix_{table}_updated_at", table_name=table)
