"""initial store: dossiers, files, pages, documents, findings, seals, flags, checklist, reports, stage runs

Revision ID: 0001
Revises: -
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('dossier',
    sa.Column('id', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('applicant_name', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('applicant_credit_code', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('programme', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('programme_version', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('star', sa.Integer(), nullable=True),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('checked_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('engine_version', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('pages', sa.Integer(), nullable=False),
    sa.Column('documents', sa.Integer(), nullable=False),
    sa.Column('flags', sa.Integer(), nullable=False),
    sa.Column('high_flags', sa.Integer(), nullable=False),
    sa.Column('errors', sa.Integer(), nullable=False),
    sa.Column('inputs', sa.JSON(), nullable=True),
    sa.Column('options', sa.JSON(), nullable=True),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('dossier', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_dossier_applicant_credit_code'), ['applicant_credit_code'], unique=False)
        batch_op.create_index(batch_op.f('ix_dossier_applicant_name'), ['applicant_name'], unique=False)
        batch_op.create_index(batch_op.f('ix_dossier_programme'), ['programme'], unique=False)
        batch_op.create_index(batch_op.f('ix_dossier_status'), ['status'], unique=False)

    op.create_table('stored_file',
    sa.Column('sha256', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('sha256')
    )
    op.create_table('check_result',
    sa.Column('dossier_id', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('item_id', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('data', sa.JSON(), nullable=True),
    sa.ForeignKeyConstraint(['dossier_id'], ['dossier.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('dossier_id', 'item_id')
    )
    with op.batch_alter_table('check_result', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_check_result_status'), ['status'], unique=False)

    op.create_table('document',
    sa.Column('dossier_id', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('id', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('document_type', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('pages', sa.JSON(), nullable=True),
    sa.Column('data', sa.JSON(), nullable=True),
    sa.ForeignKeyConstraint(['dossier_id'], ['dossier.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('dossier_id', 'id')
    )
    with op.batch_alter_table('document', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_document_document_type'), ['document_type'], unique=False)

    op.create_table('dossier_file',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('dossier_id', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('sha256', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.ForeignKeyConstraint(['dossier_id'], ['dossier.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['sha256'], ['stored_file.sha256'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('dossier_file', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_dossier_file_dossier_id'), ['dossier_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_dossier_file_sha256'), ['sha256'], unique=False)

    op.create_table('finding',
    sa.Column('dossier_id', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('id', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('page', sa.Integer(), nullable=False),
    sa.Column('data', sa.JSON(), nullable=True),
    sa.ForeignKeyConstraint(['dossier_id'], ['dossier.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('dossier_id', 'id')
    )
    with op.batch_alter_table('finding', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_finding_kind'), ['kind'], unique=False)

    op.create_table('flag',
    sa.Column('dossier_id', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('id', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('code', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('severity', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('stage', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('data', sa.JSON(), nullable=True),
    sa.ForeignKeyConstraint(['dossier_id'], ['dossier.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('dossier_id', 'id')
    )
    with op.batch_alter_table('flag', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_flag_code'), ['code'], unique=False)

    op.create_table('page',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('dossier_id', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('file', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('file_page', sa.Integer(), nullable=False),
    sa.Column('document_type', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('text_source', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('image_sha256', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('text_sha256', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('preview_sha256', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('info', sa.JSON(), nullable=True),
    sa.Column('text', sa.JSON(), nullable=True),
    sa.ForeignKeyConstraint(['dossier_id'], ['dossier.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('page', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_page_dossier_id'), ['dossier_id'], unique=False)
        batch_op.create_index('ix_page_dossier_number', ['dossier_id', 'number'], unique=True)
        batch_op.create_index(batch_op.f('ix_page_image_sha256'), ['image_sha256'], unique=False)
        batch_op.create_index(batch_op.f('ix_page_text_sha256'), ['text_sha256'], unique=False)

    op.create_table('read_error',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('dossier_id', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('code', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('data', sa.JSON(), nullable=True),
    sa.ForeignKeyConstraint(['dossier_id'], ['dossier.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('read_error', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_read_error_dossier_id'), ['dossier_id'], unique=False)

    op.create_table('report',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('dossier_id', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('schema_version', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('programme', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('star', sa.Integer(), nullable=True),
    sa.Column('engine_version', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['dossier_id'], ['dossier.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('report', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_report_dossier_id'), ['dossier_id'], unique=False)

    op.create_table('seal',
    sa.Column('dossier_id', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('id', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('page', sa.Integer(), nullable=False),
    sa.Column('fingerprint', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('data', sa.JSON(), nullable=True),
    sa.ForeignKeyConstraint(['dossier_id'], ['dossier.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('dossier_id', 'id')
    )
    with op.batch_alter_table('seal', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_seal_fingerprint'), ['fingerprint'], unique=False)

    op.create_table('stage_run',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('dossier_id', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('run', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('stage', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('started_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('seconds', sa.Float(), nullable=False),
    sa.Column('detail', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.ForeignKeyConstraint(['dossier_id'], ['dossier.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('stage_run', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_stage_run_dossier_id'), ['dossier_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_stage_run_run'), ['run'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('stage_run', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_stage_run_run'))
        batch_op.drop_index(batch_op.f('ix_stage_run_dossier_id'))

    op.drop_table('stage_run')
    with op.batch_alter_table('seal', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_seal_fingerprint'))

    op.drop_table('seal')
    with op.batch_alter_table('report', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_report_dossier_id'))

    op.drop_table('report')
    with op.batch_alter_table('read_error', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_read_error_dossier_id'))

    op.drop_table('read_error')
    with op.batch_alter_table('page', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_page_text_sha256'))
        batch_op.drop_index(batch_op.f('ix_page_image_sha256'))
        batch_op.drop_index('ix_page_dossier_number')
        batch_op.drop_index(batch_op.f('ix_page_dossier_id'))

    op.drop_table('page')
    with op.batch_alter_table('flag', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_flag_code'))

    op.drop_table('flag')
    with op.batch_alter_table('finding', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_finding_kind'))

    op.drop_table('finding')
    with op.batch_alter_table('dossier_file', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_dossier_file_sha256'))
        batch_op.drop_index(batch_op.f('ix_dossier_file_dossier_id'))

    op.drop_table('dossier_file')
    with op.batch_alter_table('document', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_document_document_type'))

    op.drop_table('document')
    with op.batch_alter_table('check_result', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_check_result_status'))

    op.drop_table('check_result')
    op.drop_table('stored_file')
    with op.batch_alter_table('dossier', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_dossier_status'))
        batch_op.drop_index(batch_op.f('ix_dossier_programme'))
        batch_op.drop_index(batch_op.f('ix_dossier_applicant_name'))
        batch_op.drop_index(batch_op.f('ix_dossier_applicant_credit_code'))

    op.drop_table('dossier')
