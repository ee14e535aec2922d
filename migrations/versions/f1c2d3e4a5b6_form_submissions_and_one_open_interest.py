"""form submission keys; one open interest per company and need or mission

Revision ID: f1c2d3e4a5b6
Revises: e5a9c3f71b20
Create Date: 2026-12-06 04:10:00.000000

"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = 'f1c2d3e4a5b6'
down_revision = 'e5a9c3f71b20'
branch_labels = None
depends_on = None

OPEN_NEED = "archived_at IS NULL AND need_id IS NOT NULL"
OPEN_MISSION = "archived_at IS NULL AND mission_id IS NOT NULL"


def _archive_duplicates(column: str) -> None:
    """Double submits left twin hands raised: keep the first, archive the others."""
    op.execute(
        f"""
        UPDATE company_interests SET archived_at = CURRENT_TIMESTAMP
        WHERE archived_at IS NULL AND {column} IS NOT NULL AND id NOT IN (
            SELECT MIN(id) FROM company_interests
            WHERE archived_at IS NULL AND {column} IS NOT NULL
            GROUP BY company_id, {column}
        )
        """
    )


def upgrade():
    op.create_table(
        'form_submissions',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('key', sa.String(length=64), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=True),
        sa.Column('result_path', sa.String(length=300), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'],
                                name=op.f('fk_form_submissions_user_id_users'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_form_submissions')),
        sa.UniqueConstraint('key', name=op.f('uq_form_submissions_key')),
    )
    with op.batch_alter_table('form_submissions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_form_submissions_created_at'), ['created_at'],
                              unique=False)
    _archive_duplicates("need_id")
    _archive_duplicates("mission_id")
    with op.batch_alter_table('company_interests', schema=None) as batch_op:
        batch_op.create_index('uq_company_interests_open_need', ['company_id', 'need_id'],
                              unique=True, sqlite_where=sa.text(OPEN_NEED),
                              postgresql_where=sa.text(OPEN_NEED))
        batch_op.create_index('uq_company_interests_open_mission', ['company_id', 'mission_id'],
                              unique=True, sqlite_where=sa.text(OPEN_MISSION),
                              postgresql_where=sa.text(OPEN_MISSION))


def downgrade():
    with op.batch_alter_table('company_interests', schema=None) as batch_op:
        batch_op.drop_index('uq_company_interests_open_mission')
        batch_op.drop_index('uq_company_interests_open_need')
    with op.batch_alter_table('form_submissions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_form_submissions_created_at'))
    op.drop_table('form_submissions')
