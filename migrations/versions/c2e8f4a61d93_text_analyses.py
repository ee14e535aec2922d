"""lexical analyses kept in the database

Revision ID: c2e8f4a61d93
Revises: a7d3e9b1c4f8
Create Date: 2026-12-06 06:50:00.000000

"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = 'c2e8f4a61d93'
down_revision = 'a7d3e9b1c4f8'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'text_analyses',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('analyser_version', sa.String(length=40), nullable=False),
        sa.Column('content_hash', sa.String(length=64), nullable=False),
        sa.Column('tokens', sa.Text(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_text_analyses')),
        sa.UniqueConstraint('analyser_version', 'content_hash',
                            name=op.f('uq_text_analyses_analyser_version')),
    )


def downgrade():
    op.drop_table('text_analyses')
