"""Alembic environment: runs migrations on the URL given by ``wallserver.db.migrate``."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine, pool
from sqlmodel import SQLModel

import wallserver.db.models  # noqa: F401  (registers the tables)

MIGRATION_LOCK = 0x7761_6C6C  # 'wall': the advisory lock of wallserver's migrations
config = context.config
url = config.get_main_option("sqlalchemy.url")
assert url is not None

connectable = context.config.attributes.get("connection")
if connectable is None:
    engine = create_engine(url, poolclass=pool.NullPool)
    with engine.connect() as connection:
        if url.startswith("sqlite"):
            connection.exec_driver_sql("PRAGMA journal_mode=WAL")
            # SQLAlchemy autobegan a transaction for the pragma; end it, or Alembic would run
            # inside it without committing and the version row would be rolled back.
            connection.commit()
        context.configure(
            connection=connection,
            target_metadata=SQLModel.metadata,
            render_as_batch=url.startswith("sqlite"),
        )
        with context.begin_transaction():
            if connection.dialect.name == "postgresql":
                # Instances (or uvicorn's workers) that start together would otherwise race to
                # create the same tables: the first takes this lock, the others wait for its
                # commit and then find the schema at head. (SQLite: wallserver.db.migrate.)
                connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({MIGRATION_LOCK})")
            context.run_migrations()
    engine.dispose()
else:
    context.configure(connection=connectable, target_metadata=SQLModel.metadata)
    with context.begin_transaction():
        context.run_migrations()
