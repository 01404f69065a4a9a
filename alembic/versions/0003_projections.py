"""Read models and checkpoints (projections layer).

Every table here is derived from the event log and can be dropped and rebuilt
(`tracker projections rebuild`); none of them is a source of truth.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

POSITION = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _text(length: int | None = None) -> sa.types.TypeEngine:
    """Text compared byte-wise on both backends: order keys, claim keys and
    dates are sorted and compared in SQL and in Python, and a locale collation
    on PostgreSQL (which may ignore punctuation) would order them differently."""
    base = sa.String(length) if length else sa.Text()
    pg = sa.String(length, collation="C") if length else sa.Text(collation="C")
    return base.with_variant(pg, "postgresql")


def upgrade() -> None:
    # One row per projection: the last global position applied and the code
    # version that applied it (a new version rebuilds that projection).
    # Catch-ups lock these rows (FOR UPDATE on PostgreSQL; SQLite's write lock).
    op.create_table(
        "projection_checkpoints",
        sa.Column("name", sa.String(64), primary_key=True),
        sa.Column("position", POSITION, nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("updated_at", sa.String(32), nullable=False),
    )
    op.execute(
        "INSERT INTO projection_checkpoints (name, position, version, updated_at) "
        "VALUES ('claims', 0, 0, '1970-01-01T00:00:00.000000Z')"
    )

    # One row per document revision: what audits and queries show of it (its
    # text and the rest stay in the event, at `position`).
    op.create_table(
        "rm_documents",
        sa.Column("document_id", _text(64), nullable=False),
        sa.Column("revision", sa.Integer, nullable=False),
        sa.Column("position", POSITION, nullable=False),  # of its DocumentIngested event
        sa.Column("first_report", POSITION, nullable=True),  # positions of its ClaimReported events
        sa.Column("last_report", POSITION, nullable=True),
        sa.Column("url", sa.Text, nullable=True),
        sa.Column("title", sa.Text, nullable=True),
        sa.Column("published", sa.Text, nullable=False),  # DocumentDate as JSON
        sa.Column("published_corrected", sa.Text, nullable=True),  # latest DocumentDateCorrected, JSON
        sa.Column("fetched_at", sa.String(40), nullable=True),
        sa.Column("text_sha256", sa.String(64), nullable=True),
        sa.PrimaryKeyConstraint("document_id", "revision", name="pk_rm_documents"),
    )

    # Claim reports, versioned along the log: a report's row is valid for
    # positions [version_from, version_to); a retraction or a corrected document
    # date closes the row and opens a new version. So "as of position P" is a
    # filter on these columns, never a replay. A row holds only what is indexed
    # or ordered by: the report itself stays in the log (read by position), and
    # only a version an amendment opened keeps its amended payload in `body`.
    op.create_table(
        "rm_reports",
        sa.Column("position", POSITION, nullable=False),  # of the ClaimReported event
        sa.Column("version_from", POSITION, nullable=False),
        sa.Column("version_to", POSITION, nullable=True),  # NULL: the current version
        sa.Column("claim_key", _text(255), nullable=False),
        sa.Column("claimed_by", _text(64), nullable=False),
        # reported date | document position | order inside the document | position:
        # the history order, and "latest" for the current state.
        sa.Column("order_key", _text(64), nullable=False),
        sa.Column("valid_from", _text(10), nullable=True),  # first day the claim holds (for --at)
        sa.Column("retracted_at", POSITION, nullable=True),
        # NULL: the logged ClaimReported payload as it is; else the amended payload, JSON.
        sa.Column("body", sa.Text, nullable=True),
        sa.PrimaryKeyConstraint("position", "version_from", name="pk_rm_reports"),
    )
    # History reads a claim's rows by this index; time travel walks it backwards
    # per claimant from the latest row and stops at the first one standing at
    # the asked position, without touching the (wide) rows: hence the extra columns.
    op.create_index(
        "ix_rm_reports_claimant_order",
        "rm_reports",
        ["claim_key", "claimed_by", "order_key", "version_from", "version_to", "retracted_at", "valid_from", "position"],
    )

    # Analyst actions and document-date corrections, one row per affected report.
    op.create_table(
        "rm_amendments",
        sa.Column("position", POSITION, nullable=False),
        sa.Column("target_position", POSITION, nullable=False),  # the report (0: none)
        sa.Column("kind", sa.String(16), nullable=False),  # corrected | retracted | date_corrected
        sa.Column("claim_key", _text(255), nullable=False),
        sa.Column("claimed_by", _text(64), nullable=True),
        sa.Column("applied", sa.Boolean, nullable=False),
        sa.Column("recorded_at", sa.String(32), nullable=False),
        sa.Column("body", sa.Text, nullable=False),  # value, by, reason, note: JSON
        sa.PrimaryKeyConstraint("position", "target_position", name="pk_rm_amendments"),
    )
    op.create_index("ix_rm_amendments_key", "rm_amendments", ["claim_key"])
    op.create_index("ix_rm_amendments_target", "rm_amendments", ["target_position"])

    # The current state: one row per claim key with its `tracker claims` record
    # ready to print, so the most common query decodes a few thousand rows.
    op.create_table(
        "rm_claims",
        sa.Column("claim_key", _text(255), primary_key=True),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("subject", sa.Text, nullable=False),  # JSON
        sa.Column("first_position", POSITION, nullable=False),
        sa.Column("claimants", sa.Integer, nullable=False),  # 0: every report retracted or moved
        sa.Column("disputed", sa.Boolean, nullable=False),
        sa.Column("actors", sa.Text, nullable=False),  # " ARM AZE PRESS ": subject actors and claimants
        sa.Column("record", sa.Text, nullable=False),  # the JSON record `tracker claims` prints
        # JSON: every claimant the claim ever had -> the order key of its current value (null: none now)
        sa.Column("state", sa.Text, nullable=False),
    )
    op.create_index("ix_rm_claims_kind", "rm_claims", ["kind"])


def downgrade() -> None:
    op.drop_table("rm_claims")
    op.drop_table("rm_amendments")
    op.drop_table("rm_reports")
    op.drop_table("rm_documents")
    op.drop_table("projection_checkpoints")
