"""evidence index (invoice keys, banded perceptual hashes) and the dossier's risk score

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('image_hash',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('dossier_id', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('page', sa.Integer(), nullable=False),
    sa.Column('ref', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('hash', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('h0', sa.Integer(), nullable=False),
    sa.Column('h1', sa.Integer(), nullable=False),
    sa.Column('h2', sa.Integer(), nullable=False),
    sa.Column('h3', sa.Integer(), nullable=False),
    sa.Column('text_sha256', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('applicant_key', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('applicant_name', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.ForeignKeyConstraint(['dossier_id'], ['dossier.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('image_hash', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_image_hash_dossier_id'), ['dossier_id'], unique=False)
        batch_op.create_index('ix_image_hash_h0', ['h0'], unique=False)
        batch_op.create_index('ix_image_hash_h1', ['h1'], unique=False)
        batch_op.create_index('ix_image_hash_h2', ['h2'], unique=False)
        batch_op.create_index('ix_image_hash_h3', ['h3'], unique=False)

    op.create_table('invoice_key',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('dossier_id', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('key', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('document_id', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('page', sa.Integer(), nullable=False),
    sa.Column('applicant_key', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('applicant_name', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.ForeignKeyConstraint(['dossier_id'], ['dossier.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('invoice_key', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_invoice_key_dossier_id'), ['dossier_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_invoice_key_key'), ['key'], unique=False)

    with op.batch_alter_table('dossier', schema=None) as batch_op:
        batch_op.add_column(sa.Column('risk_score', sa.Integer(), nullable=False, server_default='0'))
        batch_op.create_index(batch_op.f('ix_dossier_risk_score'), ['risk_score'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('dossier', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_dossier_risk_score'))
        batch_op.drop_column('risk_score')

    with op.batch_alter_table('invoice_key', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_invoice_key_key'))
        batch_op.drop_index(batch_op.f('ix_invoice_key_dossier_id'))

    op.drop_table('invoice_key')
    with op.batch_alter_table('image_hash', schema=None) as batch_op:
        batch_op.drop_index('ix_image_hash_h3')
        batch_op.drop_index('ix_image_hash_h2')
        batch_op.drop_index('ix_image_hash_h1')
        batch_op.drop_index('ix_image_hash_h0')
        batch_op.drop_index(batch_op.f('ix_image_hash_dossier_id'))

    op.drop_table('image_hash')
