"""sign-in throttles per account and client address

Revision ID: e5a9c3f71b20
Revises: b8d41f6c2e07
Create Date: 2026-12-06 03:50:00.000000

"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = 'e5a9c3f71b20'
down_revision = 'b8d41f6c2e07'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'sign_in_throttles',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('address', sa.String(length=64), nullable=False),
        sa.Column('failures', sa.Integer(), nullable=False),
        sa.Column('blocked_until', sa.DateTime(timezone=True), nullable=True),
        sa.Column('last_failure_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'],
                                name=op.f('fk_sign_in_throttles_user_id_users'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_sign_in_throttles')),
        sa.UniqueConstraint('user_id', 'address',
                            name=op.f('uq_sign_in_throttles_user_id')),
    )
    with op.batch_alter_table('sign_in_throttles', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sign_in_throttles_last_failure_at'),
                              ['last_failure_at'], unique=False)


def downgrade():
    with op.batch_alter_table('sign_in_throttles', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sign_in_throttles_last_failure_at'))
    op.drop_table('sign_in_throttles')
