"""Single-use invitations and per-person session versions.

Invitations already record `used_at`; from now on a used link does not open again. Each person gets a
`session_version`, carried in the sign-in cookie: raising it ends every session of that person.

The column is added and dropped with plain ALTER TABLE (SQLite 3.35+ and PostgreSQL both support it), so no
table is copied and nothing that refers to `users` is touched.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-29 10:50:00.000000

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade():
    op.add_column(
        'users', sa.Column('session_version', sa.Integer(), server_default='0', nullable=False)
    )


def downgrade():
    op.drop_column('users', 'session_version')
