"""text embeddings for the semantic signal

Revision ID: 5e1b7c2a9d40
Revises: 9fc668277835
Create Date: 2026-12-06 03:20:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '5e1b7c2a9d40'
down_revision = '9fc668277835'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('text_embeddings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('encoder_version', sa.String(length=60), nullable=False),
    sa.Column('content_hash', sa.String(length=64), nullable=False),
    sa.Column('vector', sa.LargeBinary(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_text_embeddings')),
    sa.UniqueConstraint('encoder_version', 'content_hash', name=op.f('uq_text_embeddings_encoder_version'))
    )


def downgrade():
    op.drop_table('text_embeddings')
