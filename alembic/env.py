"""Alembic environment: runs migrations on the connection `tracker init` hands in,
or on $TRACKER_DB when called as plain `alembic upgrade head`."""

from logging.config import fileConfig

from alembic import context
from sqlalchemy import text

from tracker.store.engine import make_engine, resolve_url

config = context.config
if config.config_file_name and config.attributes.get("configure_logger", True):
    fileConfig(config.config_file_name, disable_existing_loggers=False)

# Several workers may run `tracker init` at once on one PostgreSQL database:
# an advisory lock makes them take turns instead of racing on DDL.
MIGRATION_LOCK_KEY = 7_240_311


def run_on(connection) -> None:
    context.configure(connection=connection, target_metadata=None, transactional_ddl=True)
    with context.begin_transaction():
        if connection.dialect.name == "postgresql":
            connection.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": MIGRATION_LOCK_KEY})
        context.run_migrations()


connection = config.attributes.get("connection")
if connection is not None:
    run_on(connection)
else:
    engine = make_engine(resolve_url(None))
    with engine.connect() as conn:
        run_on(conn)
    engine.dispose()
