"""Feed schedule and state (ingest layer).

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25

`feeds`: one row per feed of feeds.yaml: its schedule (next poll), what the
server told us last time (ETag, Last-Modified, the body's hash, a permanent
redirect's target), error counts, and the lease a worker holds while polling
it. APScheduler 3 cannot share its job store between processes, so this table,
not the scheduler, is the schedule: every worker's tick claims due rows here.

`feed_entries`: which entries each feed has shown, with the hash of the text
last stored, so an unchanged entry costs one lookup. It is a cache of what the
event store holds: when it lags behind (a crash between the append and this
table), ingestion reads the document's stream and catches up.

Times are fixed-width UTC text ("2026-11-25T13:00:00.000000Z", as in the
event store), which compares correctly as text on both databases.
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

TIME = sa.String(32)


def upgrade() -> None:
    op.create_table(
        "feeds",
        sa.Column("name", sa.String(64), primary_key=True),
        sa.Column("url", sa.Text, nullable=False),  # as written in feeds.yaml
        sa.Column("fetch_url", sa.Text, nullable=False),  # url, or where a permanent redirect moved it
        sa.Column("language", sa.String(8), nullable=False),
        sa.Column("interval_seconds", sa.Integer, nullable=False),
        sa.Column("enabled", sa.Boolean, nullable=False),  # as in feeds.yaml (False when removed from it)
        # new | ok | not_modified | error | throttled | gone | disabled
        sa.Column("status", sa.String(20), nullable=False, server_default="new"),
        sa.Column("etag", sa.Text),  # exactly as the server sent them, echoed back verbatim
        sa.Column("last_modified", sa.Text),
        sa.Column("body_sha256", sa.String(64)),  # last fully ingested body: same bytes = nothing to do
        sa.Column("next_poll_at", TIME),  # NULL: not scheduled (gone or disabled)
        sa.Column("last_poll_at", TIME),
        sa.Column("last_success_at", TIME),
        sa.Column("last_http_status", sa.Integer),
        sa.Column("last_error", sa.Text),
        sa.Column("parse_problem", sa.Text),  # feedparser's bozo exception of the last parse
        sa.Column("consecutive_errors", sa.Integer, nullable=False, server_default="0"),
        sa.Column("total_errors", sa.Integer, nullable=False, server_default="0"),
        sa.Column("polls", sa.Integer, nullable=False, server_default="0"),
        sa.Column("lease_owner", sa.String(200)),
        sa.Column("lease_until", TIME),
        sa.Column("updated_at", TIME, nullable=False),
        sa.CheckConstraint("interval_seconds > 0", name="ck_feeds_interval_positive"),
    )
    op.create_index("ix_feeds_next_poll_at", "feeds", ["next_poll_at"])

    op.create_table(
        "feed_entries",
        sa.Column("feed", sa.String(64), sa.ForeignKey("feeds.name", ondelete="CASCADE"), nullable=False),
        sa.Column("document_id", sa.String(64), nullable=False),
        sa.Column("text_sha256", sa.String(64), nullable=False),
        sa.Column("revision", sa.Integer, nullable=False),  # 0: seen but not stored (keyword filter)
        sa.Column("first_seen_at", TIME, nullable=False),
        sa.Column("last_seen_at", TIME, nullable=False),
        sa.PrimaryKeyConstraint("feed", "document_id", name="pk_feed_entries"),
    )


def downgrade() -> None:
    op.drop_table("feed_entries")
    op.drop_index("ix_feeds_next_poll_at", table_name="feeds")
    op.drop_table("feeds")
