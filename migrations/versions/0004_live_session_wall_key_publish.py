"""live session: the secret wall link's hash, ideas from phones published at once

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-06 01:30:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('live_session') as batch_op:
        batch_op.add_column(sa.Column('wall_key_hash', sa.String(length=64), nullable=True))
        batch_op.add_column(
            sa.Column('publish_at_once', sa.Boolean(), nullable=False, server_default=sa.false())
        )


def downgrade():
    with op.batch_alter_table('live_session') as batch_op:
        batch_op.drop_column('publish_at_once')
        batch_op.drop_column('wall_key_hash')
