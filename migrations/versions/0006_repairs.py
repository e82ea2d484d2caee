"""repairs: contractors, the group's warranty terms, work orders

Revision ID: 0006_repairs
Revises: 0005
Create Date: 2026-11-26 05:30:00.000000
"""

from alembic import op
import sqlalchemy as sa

from servicehub.migrate import disable_tenant_rls, enable_tenant_rls

TENANT_TABLES = ("contractors", "contractor_units", "warranty_terms", "work_orders")
_OPEN = "status IN ('dispatched', 'accepted', 'on_site')"

revision = '0006_repairs'
down_revision = '0005'
branch_labels = None
depends_on = None


def _enum(*values, name):
    return sa.Enum(*values, name=name, native_enum=False, length=20)


def upgrade() -> None:
    op.create_table('contractors',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('trades', sa.JSON(), nullable=False),
    sa.Column('contact_name', sa.String(length=80), nullable=True),
    sa.Column('contact_phone', sa.String(length=30), nullable=True),
    sa.Column('contract_start', sa.Date(), nullable=False),
    sa.Column('contract_end', sa.Date(), nullable=False),
    sa.Column('is_active', sa.Boolean(), nullable=False),
    sa.Column('notes', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.CheckConstraint('contract_end >= contract_start', name=op.f('ck_contractors_period')),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_contractors_tenant_id_tenants')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_contractors'))
    )
    with op.batch_alter_table('contractors', schema=None) as batch_op:
        batch_op.create_index('ix_contractors_tenant_id_name', ['tenant_id', 'name'], unique=False)

    op.create_table('contractor_units',
    sa.Column('contractor_id', sa.Integer(), nullable=False),
    sa.Column('org_unit_id', sa.Integer(), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['contractor_id'], ['contractors.id'], name=op.f('fk_contractor_units_contractor_id_contractors')),
    sa.ForeignKeyConstraint(['org_unit_id'], ['org_units.id'], name=op.f('fk_contractor_units_org_unit_id_org_units')),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_contractor_units_tenant_id_tenants')),
    sa.PrimaryKeyConstraint('contractor_id', 'org_unit_id', name=op.f('pk_contractor_units'))
    )
    with op.batch_alter_table('contractor_units', schema=None) as batch_op:
        batch_op.create_index('ix_contractor_units_tenant_id_org_unit_id', ['tenant_id', 'org_unit_id'], unique=False)

    op.create_table('warranty_terms',
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.Column('component', _enum('waterproofing', 'heating_cooling', 'electrical', 'plumbing', 'doors_windows',
                                 'decoration', 'structure', name='warranty_component'), nullable=False),
    sa.Column('months', sa.Integer(), nullable=False),
    sa.Column('label', sa.String(length=120), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('months BETWEEN 1 AND 1200', name=op.f('ck_warranty_terms_months')),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_warranty_terms_tenant_id_tenants')),
    sa.PrimaryKeyConstraint('tenant_id', 'component', name=op.f('pk_warranty_terms'))
    )

    op.create_table('work_orders',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('ticket_id', sa.Integer(), nullable=False),
    sa.Column('contractor_id', sa.Integer(), nullable=False),
    sa.Column('supervisor_id', sa.Integer(), nullable=False),
    sa.Column('dispatched_by_id', sa.Integer(), nullable=False),
    sa.Column('status', _enum('dispatched', 'accepted', 'on_site', 'done', 'rejected', name='work_order_status'), nullable=False),
    sa.Column('trade', _enum('waterproofing', 'electrical', 'plumbing', 'doors_windows', 'decoration', 'general',
                             name='trade'), nullable=False),
    sa.Column('component', _enum('waterproofing', 'heating_cooling', 'electrical', 'plumbing', 'doors_windows',
                                 'decoration', 'structure', name='warranty_component'), nullable=False),
    sa.Column('scheduled_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('accepted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('arrived_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('materials', sa.Text(), nullable=True),
    sa.Column('cost', sa.Numeric(precision=12, scale=2), nullable=True),
    sa.Column('result', sa.Text(), nullable=True),
    sa.Column('reject_reason', sa.Text(), nullable=True),
    sa.Column('in_warranty', sa.Boolean(), nullable=False),
    sa.Column('warranty_until', sa.Date(), nullable=True),
    sa.Column('warranty_reason', _enum('in_warranty', 'expired', 'not_handed_over', 'no_unit', name='warranty_reason'),
              nullable=False),
    sa.Column('quote_amount', sa.Numeric(precision=12, scale=2), nullable=True),
    sa.Column('quote_status', _enum('pending', 'accepted', 'declined', name='quote_status'), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('org_unit_id', sa.Integer(), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.CheckConstraint('cost IS NULL OR cost >= 0', name=op.f('ck_work_orders_cost')),
    sa.CheckConstraint('quote_amount IS NULL OR quote_amount >= 0', name=op.f('ck_work_orders_quote_amount')),
    sa.ForeignKeyConstraint(['ticket_id'], ['tickets.id'], name=op.f('fk_work_orders_ticket_id_tickets')),
    sa.ForeignKeyConstraint(['contractor_id'], ['contractors.id'], name=op.f('fk_work_orders_contractor_id_contractors')),
    sa.ForeignKeyConstraint(['supervisor_id'], ['users.id'], name=op.f('fk_work_orders_supervisor_id_users')),
    sa.ForeignKeyConstraint(['dispatched_by_id'], ['users.id'], name=op.f('fk_work_orders_dispatched_by_id_users')),
    sa.ForeignKeyConstraint(['org_unit_id'], ['org_units.id'], name=op.f('fk_work_orders_org_unit_id_org_units')),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_work_orders_tenant_id_tenants')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_work_orders'))
    )
    with op.batch_alter_table('work_orders', schema=None) as batch_op:
        batch_op.create_index('ix_work_orders_tenant_id_org_unit_id_created_at',
                              ['tenant_id', 'org_unit_id', 'created_at', 'id'], unique=False)
        batch_op.create_index('ix_work_orders_tenant_id_ticket_id', ['tenant_id', 'ticket_id'], unique=False)
        batch_op.create_index('ix_work_orders_tenant_id_contractor_id_created_at',
                              ['tenant_id', 'contractor_id', 'created_at'], unique=False)
        batch_op.create_index('ix_work_orders_tenant_id_supervisor_id_status',
                              ['tenant_id', 'supervisor_id', 'status'], unique=False)
        batch_op.create_index('uq_work_orders_open_ticket', ['tenant_id', 'ticket_id'], unique=True,
                              postgresql_where=sa.text(_OPEN), sqlite_where=sa.text(_OPEN))

    for table in TENANT_TABLES:
        enable_tenant_rls(op, table)


def downgrade() -> None:
    for table in reversed(TENANT_TABLES):
        disable_tenant_rls(op, table)
    op.drop_table('work_orders')
    op.drop_table('warranty_terms')
    op.drop_table('contractor_units')
    op.drop_table('contractors')
