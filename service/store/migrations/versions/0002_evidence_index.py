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
    sa.Column('b0', sa.Integer(), nullable=False),
    sa.Column('b1', sa.Integer(), nullable=False),
    sa.Column('b2', sa.Integer(), nullable=False),
    sa.Column('b3', sa.Integer(), nullable=False),
    sa.Column('b4', sa.Integer(), nullable=False),
    sa.Column('b5', sa.Integer(), nullable=False),
    sa.Column('b6', sa.Integer(), nullable=False),
    sa.Column('b7', sa.Integer(), nullable=False),
    sa.Column('text_sha256', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('applicant_key', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('applicant_name', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.ForeignKeyConstraint(['dossier_id'], ['dossier.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('image_hash', schema=None) as batch_op:
        batch_op.create_index('ix_image_hash_b0', ['b0'], unique=False)
        batch_op.create_index('ix_image_hash_b1', ['b1'], unique=False)
        batch_op.create_index('ix_image_hash_b2', ['b2'], unique=False)
        batch_op.create_index('ix_image_hash_b3', ['b3'], unique=False)
        batch_op.create_index('ix_image_hash_b4', ['b4'], unique=False)
        batch_op.create_index('ix_image_hash_b5', ['b5'], unique=False)
        batch_op.create_index('ix_image_hash_b6', ['b6'], unique=False)
        batch_op.create_index('ix_image_hash_b7', ['b7'], unique=False)
        batch_op.create_index(batch_op.f('ix_image_hash_dossier_id'), ['dossier_id'], unique=False)

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
        batch_op.drop_index(batch_op.f('ix_image_hash_dossier_id'))
        batch_op.drop_index('ix_image_hash_b7')
        batch_op.drop_index('ix_image_hash_b6')
        batch_op.drop_index('ix_image_hash_b5')
        batch_op.drop_index('ix_image_hash_b4')
        batch_op.drop_index('ix_image_hash_b3')
        batch_op.drop_index('ix_image_hash_b2')
        batch_op.drop_index('ix_image_hash_b1')
        batch_op.drop_index('ix_image_hash_b0')

    op.drop_table('image_hash')
