"""glossary concepts may name a trade outside the programme

Revision ID: e8b2d6f4a1c7
Revises: d5f1a7c3e920
Create Date: 2026-12-06 06:40:00.000000

"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = 'e8b2d6f4a1c7'
down_revision = 'd5f1a7c3e920'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('glossary_concepts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('outside_scope', sa.Boolean(), nullable=False,
                                      server_default=sa.false()))


def downgrade():
    with op.batch_alter_table('glossary_concepts', schema=None) as batch_op:
        batch_op.drop_column('outside_scope')
