"""The event store: events, the log head, and the append-only guard.

Revision ID: 0001
Revises:
Create Date: 2026-11-25
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

GENESIS_HASH = "0" * 64
POSITION = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "events",
        # Assigned by the store as head + 1 while it holds the log-head lock, so
        # positions are contiguous and commit in order (no sequence gaps).
        # INTEGER on SQLite makes it the rowid: no separate index, ordered scans.
        sa.Column("position", POSITION, primary_key=True, autoincrement=False),
        sa.Column("event_id", sa.String(64), nullable=False),
        sa.Column("stream", sa.String(255), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("type", sa.String(100), nullable=False),
        # Canonical JSON text exactly as hashed (TEXT, not jsonb, which would
        # reorder keys and break the hash).
        sa.Column("data", sa.Text, nullable=False),
        sa.Column("recorded_at", sa.String(32), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
        sa.UniqueConstraint("event_id", name="uq_events_event_id"),
        # Also the index that answers "what is this stream's version" (max version).
        sa.UniqueConstraint("stream", "version", name="uq_events_stream_version"),
    )
    # One row: the last position, its hash and its recorded time. Appenders lock
    # it (SELECT ... FOR UPDATE on PostgreSQL, BEGIN IMMEDIATE on SQLite), which
    # serialises appends: that is what makes positions gap-safe and lets each
    # event chain to its predecessor's hash.
    op.create_table(
        "log_head",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("position", POSITION, nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
        sa.Column("recorded_at", sa.String(32), nullable=False),
        sa.CheckConstraint("id = 1", name="ck_log_head_single_row"),
    )
    op.execute(
        sa.text(
            "INSERT INTO log_head (id, position, hash, recorded_at) "
            "VALUES (1, 0, :h, '1970-01-01T00:00:00.000000Z')"
        ).bindparams(h=GENESIS_HASH)
    )

    if op.get_bind().dialect.name == "sqlite":
        for verb in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER events_refuse_{verb.lower()} BEFORE {verb} ON events "
                f"BEGIN SELECT RAISE(ABORT, 'events are append-only: {verb} refused'); END"
            )
        op.execute(
            "CREATE TRIGGER log_head_forward_only BEFORE UPDATE ON log_head "
            "WHEN NEW.position < OLD.position "
            "BEGIN SELECT RAISE(ABORT, 'log_head may only move forward'); END"
        )
        op.execute(
            "CREATE TRIGGER log_head_refuse_delete BEFORE DELETE ON log_head "
            "BEGIN SELECT RAISE(ABORT, 'log_head cannot be deleted'); END"
        )
    else:
        op.execute(
            """
            CREATE FUNCTION tracker_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                RAISE EXCEPTION 'events are append-only: % refused', TG_OP
                    USING ERRCODE = 'restrict_violation';
            END $$
            """
        )
        op.execute(
            "CREATE TRIGGER events_refuse_change BEFORE UPDATE OR DELETE ON events "
            "FOR EACH ROW EXECUTE FUNCTION tracker_refuse_change()"
        )
        op.execute(
            "CREATE TRIGGER events_refuse_truncate BEFORE TRUNCATE ON events "
            "FOR EACH STATEMENT EXECUTE FUNCTION tracker_refuse_change()"
        )
        op.execute(
            """
            CREATE FUNCTION tracker_log_head_forward_only() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                IF TG_OP = 'DELETE' OR NEW.position < OLD.position THEN
                    RAISE EXCEPTION 'log_head may only move forward'
                        USING ERRCODE = 'restrict_violation';
                END IF;
                RETURN NEW;
            END $$
            """
        )
        op.execute(
            "CREATE TRIGGER log_head_forward_only BEFORE UPDATE OR DELETE ON log_head "
            "FOR EACH ROW EXECUTE FUNCTION tracker_log_head_forward_only()"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TABLE log_head")
        op.execute("DROP TABLE events")
        op.execute("DROP FUNCTION tracker_refuse_change()")
        op.execute("DROP FUNCTION tracker_log_head_forward_only()")
    else:
        op.drop_table("log_head")
        op.drop_table("events")
