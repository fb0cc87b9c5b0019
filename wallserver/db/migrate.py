"""Schema migrations with Alembic, configured in code so no ``alembic.ini`` is needed."""

from __future__ import annotations

import fcntl
from pathlib import Path

from alembic import command
from alembic.config import Config

from wallserver.settings import Settings, to_sync_url

MIGRATIONS = Path(__file__).with_name("migrations")


def alembic_config(settings: Settings) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    # configparser treats % as interpolation; URL-encoded passwords and options contain it
    cfg.set_main_option(
        "sqlalchemy.url", to_sync_url(settings.resolved_database_url).replace("%", "%%")
    )
    cfg.attributes["sqlite_synchronous"] = settings.sqlite_synchronous
    return cfg


def upgrade(settings: Settings, revision: str = "head") -> None:
    """Bring the database to ``revision`` (``wallserver db upgrade``; also run at start).

    Processes that start together take turns: on PostgreSQL an advisory lock in the migration's
    transaction (``migrations/env.py``), on SQLite a lock on a file beside the database."""
    if not settings.resolved_database_url.startswith("sqlite"):
        command.upgrade(alembic_config(settings), revision)
        return
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    with open(settings.data_dir / ".migrate.lock", "a+b") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file is closed
        command.upgrade(alembic_config(settings), revision)


def revisions(settings: Settings) -> set[str]:
    """Every schema revision this wallserver knows (a restored database must have one)."""
    from alembic.script import ScriptDirectory

    scripts = ScriptDirectory.from_config(alembic_config(settings))
    return {s.revision for s in scripts.walk_revisions()}
