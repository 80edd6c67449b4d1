"""E-mail confirmation, credit codes owned by verified organisations only, claim documents.

- users.email_confirmed_at: accounts that exist are confirmed (backfilled with their creation
  time); new ones confirm through a mailed link.
- organisations.credit_code: no longer unique; unique among verified organisations only (a
  partial index), so a pending claim cannot squat a code.
- organisation_documents: the business licence and letter of authorisation of each claim.

Revision ID: a5c0e7d13f29
Revises: 7115a1d178e7
Create Date: 2026-12-06 06:30:00

"""
from alembic import op
import sqlalchemy as sa
import marketplace.db_types  # noqa: F401  (custom column types)


# revision identifiers, used by Alembic.
revision = 'a5c0e7d13f29'
down_revision = '7115a1d178e7'
branch_labels = None
depends_on = None

VERIFIED_ONLY = sa.text("status = 'verified'")


def upgrade():
    op.create_table('organisation_documents',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('business_licence', 'authorisation_letter', name='documentkind', native_enum=False, length=32), nullable=False),
    sa.Column('stored_name', sa.String(length=64), nullable=False),
    sa.Column('original_name', sa.String(length=200), nullable=False),
    sa.Column('content_type', sa.String(length=64), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('uploaded_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', marketplace.db_types.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], name=op.f('fk_organisation_documents_organisation_id_organisations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['uploaded_by_id'], ['users.id'], name=op.f('fk_organisation_documents_uploaded_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_organisation_documents')),
    sa.UniqueConstraint('stored_name', name=op.f('uq_organisation_documents_stored_name'))
    )
    with op.batch_alter_table('organisation_documents', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_organisation_documents_organisation_id'), ['organisation_id'], unique=False)

    with op.batch_alter_table('organisations', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_organisations_credit_code'), type_='unique')
        batch_op.create_index(batch_op.f('ix_organisations_credit_code'), ['credit_code'], unique=False)
        batch_op.create_index('uq_organisations_verified_credit_code', ['credit_code'], unique=True,
                              sqlite_where=VERIFIED_ONLY, postgresql_where=VERIFIED_ONLY)

    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('email_confirmed_at', marketplace.db_types.UTCDateTime(), nullable=True))
    # Every account that exists was made before confirmation did: it keeps working.
    op.execute("UPDATE users SET email_confirmed_at = created_at")


def downgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('email_confirmed_at')

    # Fails while two claims share a code: decide (reject or delete) the competing claims first.
    with op.batch_alter_table('organisations', schema=None) as batch_op:
        batch_op.drop_index('uq_organisations_verified_credit_code', sqlite_where=VERIFIED_ONLY,
                            postgresql_where=VERIFIED_ONLY)
        batch_op.drop_index(batch_op.f('ix_organisations_credit_code'))
        batch_op.create_unique_constraint(batch_op.f('uq_organisations_credit_code'), ['credit_code'])

    with op.batch_alter_table('organisation_documents', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_organisation_documents_organisation_id'))

    op.drop_table('organisation_documents')
