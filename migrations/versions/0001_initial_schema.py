"""initial schema

Revision ID: 0001
Revises: 
Create Date: 2026-11-26 07:13:40.960082

"""
from alembic import op
import sqlalchemy as sa

import feedback_app.models


# revision identifiers, used by Alembic.
revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    
    op.create_table('employees',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('nip', sa.String(length=18), nullable=True),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('employment_type', sa.String(length=10), nullable=False),
    sa.CheckConstraint("employment_type = 'non-ASN' OR nip IS NOT NULL", name=op.f('ck_employees_asn_has_nip')),
    sa.CheckConstraint("employment_type IN ('PNS', 'PPPK', 'non-ASN')", name=op.f('ck_employees_employment_type')),
    sa.CheckConstraint('nip IS NULL OR length(nip) = 18', name=op.f('ck_employees_nip_length')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_employees')),
    sa.UniqueConstraint('nip', name=op.f('uq_employees_nip'))
    )
    op.create_table('units',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('slug', sa.String(length=60), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('timezone', sa.String(length=40), nullable=False),
    sa.Column('parent_id', sa.Integer(), nullable=True),
    sa.CheckConstraint("kind IN ('dukcapil', 'puskesmas', 'other')", name=op.f('ck_units_kind')),
    sa.ForeignKeyConstraint(['parent_id'], ['units.id'], name=op.f('fk_units_parent_id_units')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_units')),
    sa.UniqueConstraint('slug', name=op.f('uq_units_slug'))
    )
    op.create_table('counters',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('public_code', sa.String(length=12), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('poster_version', sa.Integer(), nullable=False),
    sa.CheckConstraint('poster_version >= 1', name=op.f('ck_counters_poster_version_positive')),
    sa.ForeignKeyConstraint(['unit_id'], ['units.id'], name=op.f('fk_counters_unit_id_units')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_counters')),
    sa.UniqueConstraint('public_code', name=op.f('uq_counters_public_code'))
    )
    with op.batch_alter_table('counters', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_counters_unit_id'), ['unit_id'], unique=False)

    op.create_table('employee_assignments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('employee_id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.String(length=120), nullable=False),
    sa.Column('supervisor_id', sa.Integer(), nullable=True),
    sa.Column('valid_from', sa.Date(), nullable=False),
    sa.Column('valid_until', sa.Date(), nullable=True),
    sa.CheckConstraint('supervisor_id IS NULL OR supervisor_id <> employee_id', name=op.f('ck_employee_assignments_not_own_supervisor')),
    sa.CheckConstraint('valid_until IS NULL OR valid_until > valid_from', name=op.f('ck_employee_assignments_valid_range')),
    sa.ForeignKeyConstraint(['employee_id'], ['employees.id'], name=op.f('fk_employee_assignments_employee_id_employees')),
    sa.ForeignKeyConstraint(['supervisor_id'], ['employees.id'], name=op.f('fk_employee_assignments_supervisor_id_employees')),
    sa.ForeignKeyConstraint(['unit_id'], ['units.id'], name=op.f('fk_employee_assignments_unit_id_units')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_employee_assignments'))
    )
    with op.batch_alter_table('employee_assignments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_employee_assignments_employee_id'), ['employee_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_employee_assignments_unit_id'), ['unit_id'], unique=False)

    op.create_table('service_types',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('counter_standard_minutes', sa.Integer(), nullable=False),
    sa.Column('completion_standard', sa.String(length=80), nullable=False),
    sa.Column('fee_rupiah', sa.Integer(), nullable=False),
    sa.CheckConstraint('counter_standard_minutes > 0', name=op.f('ck_service_types_counter_standard_positive')),
    sa.CheckConstraint('fee_rupiah >= 0', name=op.f('ck_service_types_fee_not_negative')),
    sa.ForeignKeyConstraint(['unit_id'], ['units.id'], name=op.f('fk_service_types_unit_id_units')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_service_types')),
    sa.UniqueConstraint('unit_id', 'name', name=op.f('uq_service_types_unit_id_name'))
    )
    with op.batch_alter_table('service_types', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_service_types_unit_id'), ['unit_id'], unique=False)

    op.create_table('users',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('login', sa.String(length=80), nullable=False),
    sa.Column('password_hash', sa.String(length=255), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=True),
    sa.Column('employee_id', sa.Integer(), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', feedback_app.models.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['employee_id'], ['employees.id'], name=op.f('fk_users_employee_id_employees')),
    sa.ForeignKeyConstraint(['unit_id'], ['units.id'], name=op.f('fk_users_unit_id_units')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_users')),
    sa.UniqueConstraint('employee_id', name=op.f('uq_users_employee_id')),
    sa.UniqueConstraint('login', name=op.f('uq_users_login'))
    )
    op.create_table('counter_assignments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('counter_id', sa.Integer(), nullable=False),
    sa.Column('employee_id', sa.Integer(), nullable=False),
    sa.Column('starts_at', feedback_app.models.UTCDateTime(timezone=True), nullable=False),
    sa.Column('ends_at', feedback_app.models.UTCDateTime(timezone=True), nullable=True),
    sa.Column('source', sa.String(length=10), nullable=False),
    sa.Column('created_at', feedback_app.models.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint("source IN ('roster', 'sign_in')", name=op.f('ck_counter_assignments_source')),
    sa.CheckConstraint('ends_at IS NULL OR ends_at > starts_at', name=op.f('ck_counter_assignments_time_range')),
    sa.ForeignKeyConstraint(['counter_id'], ['counters.id'], name=op.f('fk_counter_assignments_counter_id_counters')),
    sa.ForeignKeyConstraint(['employee_id'], ['employees.id'], name=op.f('fk_counter_assignments_employee_id_employees')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_counter_assignments'))
    )
    with op.batch_alter_table('counter_assignments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_counter_assignments_employee_id'), ['employee_id'], unique=False)
        batch_op.create_index('ix_counter_assignments_lookup', ['counter_id', 'source', 'starts_at'], unique=False)

    op.create_table('counter_service_types',
    sa.Column('counter_id', sa.Integer(), nullable=False),
    sa.Column('service_type_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['counter_id'], ['counters.id'], name=op.f('fk_counter_service_types_counter_id_counters'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['service_type_id'], ['service_types.id'], name=op.f('fk_counter_service_types_service_type_id_service_types'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('counter_id', 'service_type_id', name=op.f('pk_counter_service_types'))
    )
    op.create_table('tickets',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('external_id', sa.String(length=64), nullable=False),
    sa.Column('counter_id', sa.Integer(), nullable=False),
    sa.Column('service_type_id', sa.Integer(), nullable=False),
    sa.Column('employee_id', sa.Integer(), nullable=True),
    sa.Column('issued_at', feedback_app.models.UTCDateTime(timezone=True), nullable=False),
    sa.Column('called_at', feedback_app.models.UTCDateTime(timezone=True), nullable=True),
    sa.Column('started_at', feedback_app.models.UTCDateTime(timezone=True), nullable=True),
    sa.Column('finished_at', feedback_app.models.UTCDateTime(timezone=True), nullable=True),
    sa.Column('outcome', sa.String(length=10), nullable=False),
    sa.Column('returned', sa.Boolean(), nullable=False),
    sa.CheckConstraint("outcome IN ('waiting', 'called', 'serving', 'finished', 'no_show')", name=op.f('ck_tickets_outcome')),
    sa.ForeignKeyConstraint(['counter_id'], ['counters.id'], name=op.f('fk_tickets_counter_id_counters')),
    sa.ForeignKeyConstraint(['employee_id'], ['employees.id'], name=op.f('fk_tickets_employee_id_employees')),
    sa.ForeignKeyConstraint(['service_type_id'], ['service_types.id'], name=op.f('fk_tickets_service_type_id_service_types')),
    sa.ForeignKeyConstraint(['unit_id'], ['units.id'], name=op.f('fk_tickets_unit_id_units')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_tickets')),
    sa.UniqueConstraint('unit_id', 'external_id', name=op.f('uq_tickets_unit_id_external_id'))
    )
    with op.batch_alter_table('tickets', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_tickets_counter_id'), ['counter_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_tickets_employee_id'), ['employee_id'], unique=False)
        batch_op.create_index('ix_tickets_unit_finished', ['unit_id', 'finished_at'], unique=False)

    op.create_table('user_roles',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('role', sa.String(length=20), nullable=False),
    sa.CheckConstraint("role IN ('admin', 'hr', 'supervisor', 'staff')", name=op.f('ck_user_roles_role')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_user_roles_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', 'role', name=op.f('pk_user_roles'))
    )
    op.create_table('survey_responses',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('counter_id', sa.Integer(), nullable=False),
    sa.Column('ticket_id', sa.Integer(), nullable=True),
    sa.Column('service_type_id', sa.Integer(), nullable=True),
    sa.Column('employee_id', sa.Integer(), nullable=True),
    sa.Column('counter_assignment_id', sa.Integer(), nullable=True),
    sa.Column('attribution_source', sa.String(length=10), nullable=False),
    sa.Column('channel', sa.String(length=12), nullable=False),
    sa.Column('u1', sa.SmallInteger(), nullable=False),
    sa.Column('u2', sa.SmallInteger(), nullable=False),
    sa.Column('u3', sa.SmallInteger(), nullable=False),
    sa.Column('u4', sa.SmallInteger(), nullable=False),
    sa.Column('u5', sa.SmallInteger(), nullable=False),
    sa.Column('u6', sa.SmallInteger(), nullable=False),
    sa.Column('u7', sa.SmallInteger(), nullable=False),
    sa.Column('u8', sa.SmallInteger(), nullable=False),
    sa.Column('u9', sa.SmallInteger(), nullable=False),
    sa.Column('comment', sa.Text(), nullable=True),
    sa.Column('respondent_sex', sa.String(length=1), nullable=True),
    sa.Column('age_band', sa.String(length=6), nullable=True),
    sa.Column('education', sa.String(length=6), nullable=True),
    sa.Column('occupation', sa.String(length=10), nullable=True),
    sa.Column('locale', sa.String(length=5), nullable=False),
    sa.Column('client_fingerprint', sa.String(length=32), nullable=False),
    sa.Column('submission_key', sa.String(length=32), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('status_reason', sa.String(length=200), nullable=True),
    sa.Column('submitted_at', feedback_app.models.UTCDateTime(timezone=True), nullable=False),
    sa.Column('counted_at', feedback_app.models.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint("(attribution_source IN ('ambiguous', 'none')) = (employee_id IS NULL)", name=op.f('ck_survey_responses_attributed_iff_employee')),
    sa.CheckConstraint("age_band IS NULL OR age_band IN ('<=19', '20-29', '30-39', '40-49', '50-59', '>=60')", name=op.f('ck_survey_responses_age_band')),
    sa.CheckConstraint("attribution_source IN ('ticket', 'sign_in', 'roster', 'ambiguous', 'none')", name=op.f('ck_survey_responses_attribution_source')),
    sa.CheckConstraint("channel IN ('counter_qr', 'ticket_qr')", name=op.f('ck_survey_responses_channel')),
    sa.CheckConstraint("education IS NULL OR education IN ('SD', 'SMP', 'SMA', 'D1-D4', 'S1', 'S2+')", name=op.f('ck_survey_responses_education')),
    sa.CheckConstraint("occupation IS NULL OR occupation IN ('PNS', 'TNI', 'POLRI', 'Swasta', 'Wirausaha', 'Lainnya')", name=op.f('ck_survey_responses_occupation')),
    sa.CheckConstraint("respondent_sex IS NULL OR respondent_sex IN ('L', 'P')", name=op.f('ck_survey_responses_respondent_sex')),
    sa.CheckConstraint("status IN ('valid', 'duplicate', 'flagged', 'excluded')", name=op.f('ck_survey_responses_status')),
    sa.CheckConstraint('comment IS NULL OR length(comment) <= 2000', name=op.f('ck_survey_responses_comment_length')),
    sa.CheckConstraint('u1 BETWEEN 1 AND 4', name=op.f('ck_survey_responses_u1_range')),
    sa.CheckConstraint('u2 BETWEEN 1 AND 4', name=op.f('ck_survey_responses_u2_range')),
    sa.CheckConstraint('u3 BETWEEN 1 AND 4', name=op.f('ck_survey_responses_u3_range')),
    sa.CheckConstraint('u4 BETWEEN 1 AND 4', name=op.f('ck_survey_responses_u4_range')),
    sa.CheckConstraint('u5 BETWEEN 1 AND 4', name=op.f('ck_survey_responses_u5_range')),
    sa.CheckConstraint('u6 BETWEEN 1 AND 4', name=op.f('ck_survey_responses_u6_range')),
    sa.CheckConstraint('u7 BETWEEN 1 AND 4', name=op.f('ck_survey_responses_u7_range')),
    sa.CheckConstraint('u8 BETWEEN 1 AND 4', name=op.f('ck_survey_responses_u8_range')),
    sa.CheckConstraint('u9 BETWEEN 1 AND 4', name=op.f('ck_survey_responses_u9_range')),
    sa.ForeignKeyConstraint(['counter_assignment_id'], ['counter_assignments.id'], name=op.f('fk_survey_responses_counter_assignment_id_counter_assignments')),
    sa.ForeignKeyConstraint(['counter_id'], ['counters.id'], name=op.f('fk_survey_responses_counter_id_counters')),
    sa.ForeignKeyConstraint(['employee_id'], ['employees.id'], name=op.f('fk_survey_responses_employee_id_employees')),
    sa.ForeignKeyConstraint(['service_type_id'], ['service_types.id'], name=op.f('fk_survey_responses_service_type_id_service_types')),
    sa.ForeignKeyConstraint(['ticket_id'], ['tickets.id'], name=op.f('fk_survey_responses_ticket_id_tickets')),
    sa.ForeignKeyConstraint(['unit_id'], ['units.id'], name=op.f('fk_survey_responses_unit_id_units')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_survey_responses')),
    sa.UniqueConstraint('submission_key', name=op.f('uq_survey_responses_submission_key')),
    sa.UniqueConstraint('ticket_id', name=op.f('uq_survey_responses_ticket_id'))
    )
    with op.batch_alter_table('survey_responses', schema=None) as batch_op:
        batch_op.create_index('ix_survey_responses_duplicates', ['counter_id', 'client_fingerprint', 'submitted_at'], unique=False)
        batch_op.create_index('ix_survey_responses_employee_period', ['employee_id', 'status', 'counted_at'], unique=False)
        batch_op.create_index('ix_survey_responses_unit_period', ['unit_id', 'status', 'counted_at'], unique=False)

    op.create_table('ticket_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('ticket_id', sa.Integer(), nullable=False),
    sa.Column('event', sa.String(length=10), nullable=False),
    sa.Column('at', feedback_app.models.UTCDateTime(timezone=True), nullable=False),
    sa.Column('employee_id', sa.Integer(), nullable=True),
    sa.Column('received_at', feedback_app.models.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint("event IN ('issued', 'called', 'started', 'finished', 'returned', 'no_show')", name=op.f('ck_ticket_events_event')),
    sa.ForeignKeyConstraint(['employee_id'], ['employees.id'], name=op.f('fk_ticket_events_employee_id_employees')),
    sa.ForeignKeyConstraint(['ticket_id'], ['tickets.id'], name=op.f('fk_ticket_events_ticket_id_tickets')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ticket_events')),
    sa.UniqueConstraint('ticket_id', 'event', 'at', name=op.f('uq_ticket_events_ticket_id_event_at'))
    )
    


def downgrade():
    
    op.drop_table('ticket_events')
    with op.batch_alter_table('survey_responses', schema=None) as batch_op:
        batch_op.drop_index('ix_survey_responses_unit_period')
        batch_op.drop_index('ix_survey_responses_employee_period')
        batch_op.drop_index('ix_survey_responses_duplicates')

    op.drop_table('survey_responses')
    op.drop_table('user_roles')
    with op.batch_alter_table('tickets', schema=None) as batch_op:
        batch_op.drop_index('ix_tickets_unit_finished')
        batch_op.drop_index(batch_op.f('ix_tickets_employee_id'))
        batch_op.drop_index(batch_op.f('ix_tickets_counter_id'))

    op.drop_table('tickets')
    op.drop_table('counter_service_types')
    with op.batch_alter_table('counter_assignments', schema=None) as batch_op:
        batch_op.drop_index('ix_counter_assignments_lookup')
        batch_op.drop_index(batch_op.f('ix_counter_assignments_employee_id'))

    op.drop_table('counter_assignments')
    op.drop_table('users')
    with op.batch_alter_table('service_types', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_service_types_unit_id'))

    op.drop_table('service_types')
    with op.batch_alter_table('employee_assignments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_employee_assignments_unit_id'))
        batch_op.drop_index(batch_op.f('ix_employee_assignments_employee_id'))

    op.drop_table('employee_assignments')
    with op.batch_alter_table('counters', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_counters_unit_id'))

    op.drop_table('counters')
    op.drop_table('units')
    op.drop_table('employees')
    
