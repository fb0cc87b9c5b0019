"""Alembic environment: runs migrations on the URL given by ``wallserver.db.migrate``."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine, pool
from sqlmodel import SQLModel

import wallserver.db.models  # noqa: F401  (registers the tables)

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
            context.run_migrations()
    engine.dispose()
else:
    context.configure(connection=connectable, target_metadata=SQLModel.metadata)
    with context.begin_transaction():
        context.run_migrations()
