"""glossary concepts name their related concepts (a problem and its remedies)

Revision ID: f3a9c5d7e2b1
Revises: e8b2d6f4a1c7
Create Date: 2026-12-06 09:30:00.000000

"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = 'f3a9c5d7e2b1'
down_revision = 'e8b2d6f4a1c7'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('glossary_concepts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('related', sa.JSON(), nullable=False,
                                      server_default=sa.text("'[]'")))


def downgrade():
    with op.batch_alter_table('glossary_concepts', schema=None) as batch_op:
        batch_op.drop_column('related')
