"""rm_reports and rm_documents as WITHOUT ROWID tables (SQLite only).

Both are keyed by a composite primary key, so a rowid table writes every row
twice: into the table and into the primary key's index. Stored in the primary
key's B-tree instead, a rebuild writes one B-tree less (on a 1,000,000-event
log, the reports table is the largest thing it writes). PostgreSQL has no rowid
and is left as it is.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-25
"""

from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

TABLES = ("rm_reports", "rm_documents")


def _recreate(with_rowid: bool) -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    for table in TABLES:
        # Copies the rows into a table created with the option, and its indexes.
        with op.batch_alter_table(table, recreate="always", table_kwargs={"sqlite_with_rowid": with_rowid}):
            pass


def upgrade() -> None:
    _recreate(with_rowid=False)


def downgrade() -> None:
    _recreate(with_rowid=True)
