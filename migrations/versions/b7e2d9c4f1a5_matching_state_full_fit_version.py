"""the matching state names the last change that requires a full refit

Revision ID: b7e2d9c4f1a5
Revises: a4c8e1f6b3d2
Create Date: 2026-12-06 09:55:00.000000

"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = 'b7e2d9c4f1a5'
down_revision = 'a4c8e1f6b3d2'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('matching_state', schema=None) as batch_op:
        batch_op.add_column(sa.Column('full_fit_version', sa.Integer(), nullable=False,
                                      server_default='0'))


def downgrade():
    with op.batch_alter_table('matching_state', schema=None) as batch_op:
        batch_op.drop_column('full_fit_version')
