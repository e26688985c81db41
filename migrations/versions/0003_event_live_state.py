"""event live state: a change version per event, the wall's mode, number visibility, timer

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-06 00:40:00.000000

"""
from alembic import op
import sqlalchemy as sa

import ideenwerkstatt.database


# revision identifiers, used by Alembic.
revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('event_live_state',
    sa.Column('event_id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('wall_mode', sa.Enum('ideas', 'voting', 'results', name='wallmode', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('numbers_hidden', sa.Boolean(), nullable=False),
    sa.Column('timer_ends_at', ideenwerkstatt.database.UTCDateTime(timezone=True), nullable=True),
    sa.Column('updated_at', ideenwerkstatt.database.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['event_id'], ['event.id'], name=op.f('fk_event_live_state_event_id_event'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('event_id', name=op.f('pk_event_live_state'))
    )


def downgrade():
    op.drop_table('event_live_state')
