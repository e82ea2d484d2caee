"""customer files

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25 21:52:46.544669
"""

from alembic import op
import sqlalchemy as sa

from servicehub.migrate import disable_tenant_rls, enable_tenant_rls

TENANT_TABLES = ("customers", "customer_phones", "customer_scopes", "properties", "ownerships", "customer_imports")


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('customers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('person', 'company', name='customer_kind', native_enum=False, length=20), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('given_name', sa.String(length=120), sa.Computed('substr(name, 2)', persisted=True), nullable=False),
    sa.Column('phone', sa.String(length=20), nullable=False),
    sa.Column('id_number', sa.String(length=18), nullable=True),
    sa.Column('email', sa.String(length=254), nullable=True),
    sa.Column('source_channel', sa.Enum('walk_in', 'phone', 'referral', 'online', 'event', 'sales_office', 'import', 'other', name='source_channel', native_enum=False, length=20), nullable=False),
    sa.Column('tier', sa.Enum('normal', 'vip', 'key_account', name='tier', native_enum=False, length=20), nullable=False),
    sa.Column('tags', sa.JSON(), nullable=False),
    sa.Column('stage', sa.Enum('prospect', 'pending_owner', 'break_in', 'stable', 'veteran', 'lost', name='stage', native_enum=False, length=20), nullable=False),
    sa.Column('is_lost', sa.Boolean(), nullable=False),
    sa.Column('notes', sa.String(length=2000), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('org_unit_id', sa.Integer(), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['org_unit_id'], ['org_units.id'], name=op.f('fk_customers_org_unit_id_org_units')),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_customers_tenant_id_tenants')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_customers'))
    )
    with op.batch_alter_table('customers', schema=None) as batch_op:
        batch_op.create_index('ix_customers_tenant_id_name', ['tenant_id', 'name', 'id'], unique=False, postgresql_ops={'name': 'text_pattern_ops'})
        batch_op.create_index('ix_customers_tenant_id_given_name', ['tenant_id', 'given_name', 'name', 'id'], unique=False, postgresql_ops={'given_name': 'text_pattern_ops'})
        batch_op.create_index('ix_customers_tenant_id_org_unit_id', ['tenant_id', 'org_unit_id'], unique=False)
        batch_op.create_index('ix_customers_tenant_id_stage', ['tenant_id', 'stage'], unique=False)

    op.create_table('properties',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('building', sa.String(length=20), nullable=False),
    sa.Column('unit', sa.String(length=20), nullable=False),
    sa.Column('room', sa.String(length=20), nullable=False),
    sa.Column('floor', sa.Integer(), nullable=True),
    sa.Column('floor_area', sa.Numeric(precision=10, scale=2), nullable=True),
    sa.Column('type', sa.Enum('residential', 'villa', 'commercial', 'office', 'parking', 'other', name='property_type', native_enum=False, length=20), nullable=False),
    sa.Column('handover_date', sa.Date(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('org_unit_id', sa.Integer(), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['org_unit_id'], ['org_units.id'], name=op.f('fk_properties_org_unit_id_org_units')),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_properties_tenant_id_tenants')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_properties')),
    sa.UniqueConstraint('tenant_id', 'org_unit_id', 'building', 'unit', 'room', name=op.f('uq_properties_tenant_id_org_unit_id_building_unit_room'))
    )
    with op.batch_alter_table('properties', schema=None) as batch_op:
        batch_op.create_index('ix_properties_tenant_id_building_unit_room', ['tenant_id', 'building', 'unit', 'room'], unique=False)

    op.create_table('customer_imports',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('filename', sa.String(length=255), nullable=False),
    sa.Column('content', sa.LargeBinary(), nullable=False),
    sa.Column('skip_invalid', sa.Boolean(), nullable=False),
    sa.Column('dry_run', sa.Boolean(), nullable=False),
    sa.Column('status', sa.Enum('queued', 'running', 'succeeded', 'rejected', 'validated', 'failed', name='import_status', native_enum=False, length=20), nullable=False),
    sa.Column('total_rows', sa.Integer(), nullable=False),
    sa.Column('processed_rows', sa.Integer(), nullable=False),
    sa.Column('imported_rows', sa.Integer(), nullable=False),
    sa.Column('error_count', sa.Integer(), nullable=False),
    sa.Column('errors', sa.JSON(), nullable=False),
    sa.Column('message', sa.String(length=500), nullable=True),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('org_unit_id', sa.Integer(), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_customer_imports_created_by_id_users')),
    sa.ForeignKeyConstraint(['org_unit_id'], ['org_units.id'], name=op.f('fk_customer_imports_org_unit_id_org_units')),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_customer_imports_tenant_id_tenants')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_customer_imports'))
    )
    op.create_table('customer_phones',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=False),
    sa.Column('phone', sa.String(length=20), nullable=False),
    sa.Column('last4', sa.String(length=4), nullable=False),
    sa.Column('is_primary', sa.Boolean(), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['customer_id'], ['customers.id'], name=op.f('fk_customer_phones_customer_id_customers'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_customer_phones_tenant_id_tenants')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_customer_phones')),
    sa.UniqueConstraint('tenant_id', 'phone', name=op.f('uq_customer_phones_tenant_id_phone'))
    )
    with op.batch_alter_table('customer_phones', schema=None) as batch_op:
        batch_op.create_index('ix_customer_phones_tenant_id_customer_id', ['tenant_id', 'customer_id'], unique=False)
        batch_op.create_index('ix_customer_phones_tenant_id_last4', ['tenant_id', 'last4'], unique=False)

    op.create_table('customer_scopes',
    sa.Column('customer_id', sa.Integer(), nullable=False),
    sa.Column('org_unit_id', sa.Integer(), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['customer_id'], ['customers.id'], name=op.f('fk_customer_scopes_customer_id_customers'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['org_unit_id'], ['org_units.id'], name=op.f('fk_customer_scopes_org_unit_id_org_units')),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_customer_scopes_tenant_id_tenants')),
    sa.PrimaryKeyConstraint('customer_id', 'org_unit_id', name=op.f('pk_customer_scopes'))
    )
    with op.batch_alter_table('customer_scopes', schema=None) as batch_op:
        batch_op.create_index('ix_customer_scopes_tenant_id_org_unit_id_customer_id', ['tenant_id', 'org_unit_id', 'customer_id'], unique=False)

    op.create_table('ownerships',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=False),
    sa.Column('property_id', sa.Integer(), nullable=False),
    sa.Column('org_unit_id', sa.Integer(), nullable=False),
    sa.Column('relation', sa.Enum('owner', 'co_owner', 'resident', name='relation', native_enum=False, length=20), nullable=False),
    sa.Column('since', sa.Date(), nullable=True),
    sa.Column('until', sa.Date(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['customer_id'], ['customers.id'], name=op.f('fk_ownerships_customer_id_customers')),
    sa.ForeignKeyConstraint(['org_unit_id'], ['org_units.id'], name=op.f('fk_ownerships_org_unit_id_org_units')),
    sa.ForeignKeyConstraint(['property_id'], ['properties.id'], name=op.f('fk_ownerships_property_id_properties')),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_ownerships_tenant_id_tenants')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ownerships'))
    )
    with op.batch_alter_table('ownerships', schema=None) as batch_op:
        batch_op.create_index('ix_ownerships_tenant_id_customer_id', ['tenant_id', 'customer_id'], unique=False)
        batch_op.create_index('ix_ownerships_tenant_id_property_id', ['tenant_id', 'property_id'], unique=False)

    for table in TENANT_TABLES:
        enable_tenant_rls(op, table)
    if op.get_bind().dialect.name == "postgresql":
        # Name parts in the middle ("伟明" of "张伟明"): a trigram index (pg_trgm is a trusted extension).
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        op.execute("CREATE INDEX ix_customers_name_trgm ON customers USING gin (name gin_trgm_ops)")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP INDEX IF EXISTS ix_customers_name_trgm")
    for table in TENANT_TABLES:
        disable_tenant_rls(op, table)
    with op.batch_alter_table('ownerships', schema=None) as batch_op:
        batch_op.drop_index('ix_ownerships_tenant_id_property_id')
        batch_op.drop_index('ix_ownerships_tenant_id_customer_id')

    op.drop_table('ownerships')
    with op.batch_alter_table('customer_scopes', schema=None) as batch_op:
        batch_op.drop_index('ix_customer_scopes_tenant_id_org_unit_id_customer_id')

    op.drop_table('customer_scopes')
    with op.batch_alter_table('customer_phones', schema=None) as batch_op:
        batch_op.drop_index('ix_customer_phones_tenant_id_last4')
        batch_op.drop_index('ix_customer_phones_tenant_id_customer_id')

    op.drop_table('customer_phones')
    op.drop_table('customer_imports')
    with op.batch_alter_table('properties', schema=None) as batch_op:
        batch_op.drop_index('ix_properties_tenant_id_building_unit_room')

    op.drop_table('properties')
    with op.batch_alter_table('customers', schema=None) as batch_op:
        batch_op.drop_index('ix_customers_tenant_id_stage')
        batch_op.drop_index('ix_customers_tenant_id_given_name', postgresql_ops={'given_name': 'text_pattern_ops'})
        batch_op.drop_index('ix_customers_tenant_id_org_unit_id')
        batch_op.drop_index('ix_customers_tenant_id_name', postgresql_ops={'name': 'text_pattern_ops'})

    op.drop_table('customers')
