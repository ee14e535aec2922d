"""history entries indexed by time: a refit reads the changes since its index was built

Revision ID: a4c8e1f6b3d2
Revises: f3a9c5d7e2b1
Create Date: 2026-12-06 09:45:00.000000

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = 'a4c8e1f6b3d2'
down_revision = 'f3a9c5d7e2b1'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index('ix_history_entries_created_at', 'history_entries', ['created_at'])


def downgrade():
    op.drop_index('ix_history_entries_created_at', table_name='history_entries')
