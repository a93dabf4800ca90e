"""Answer versions, so that a stale save is never applied silently.

Every answer gets a `version`, raised by each save that changes it; a form sends back the version it showed.
The column is added and dropped in place (batch mode that never copies the table: SQLite 3.35+ and PostgreSQL
both alter it directly), so nothing that refers to `answers` is touched.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-29 10:50:00.000000

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('answers', recreate='never') as batch_op:
        batch_op.add_column(sa.Column('version', sa.Integer(), server_default='0', nullable=False))


def downgrade():
    with op.batch_alter_table('answers', recreate='never') as batch_op:
        batch_op.drop_column('version')
