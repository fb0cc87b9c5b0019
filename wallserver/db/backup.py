"""Backing up and restoring the SQLite database (``wallserver backup`` / ``restore``).

A backup uses SQLite's online backup API (``sqlite3.Connection.backup``): it copies a consistent
snapshot page by page while the server keeps serving (WAL readers and writers are not blocked;
pages a writer changes meanwhile are copied again). PostgreSQL has its own tools: ``pg_dump`` and
``pg_restore`` (:data:`POSTGRES_HELP`).

A restore replaces the database file, so the server must be stopped first: a running server
keeps the file open and would go on writing into the replaced one. The sign of an open database
is its ``-wal`` / ``-shm`` files (SQLite removes them when the last connection closes cleanly);
while they exist the restore refuses. The file to restore is checked before anything is touched:
``PRAGMA integrity_check`` must answer ``ok`` and its ``alembic_version`` must be a revision this
wallserver knows (an older one is upgraded at the next start). The replaced file is kept beside
the new one as ``wall.sqlite3.before-restore``.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Callable
from pathlib import Path

POSTGRES_HELP = (
    "wallserver backup/restore handle the SQLite database only. For PostgreSQL use its tools,\n"
    "which are safe while the server runs:\n"
    '  pg_dump --format=custom --file=wall.dump "$WALL_DATABASE_URL"\n'
    "and to restore (server stopped, into an empty database):\n"
    '  pg_restore --clean --if-exists --no-owner --dbname="$WALL_DATABASE_URL" wall.dump\n'
    "Media files live in WALL_DATA_DIR/media: copy that directory too."
)


class BackupError(Exception):
    """A backup or restore that must not go ahead; the message says why."""


def sqlite_path(url: str) -> Path | None:
    """The database file of a SQLite URL; ``None`` for any other database."""
    for prefix in ("sqlite+aiosqlite:///", "sqlite:///"):
        if url.startswith(prefix):
            return Path(url[len(prefix) :])
    return None


def backup(database: Path, target: Path) -> None:
    """Copy the live database to ``target`` (which must not exist), consistently."""
    if not database.exists():
        raise BackupError(f"no database at {database}")
    if target.exists():
        raise BackupError(f"{target} exists already; choose a new file name")
    partial = target.with_name(f".{target.name}.partial")
    source = sqlite3.connect(database, timeout=30)
    try:
        copy = sqlite3.connect(partial)
        try:
            source.backup(copy)
        finally:
            copy.close()
    finally:
        source.close()
    partial.replace(target)


def check(candidate: Path, known_revision: Callable[[str], bool]) -> str:
    """That ``candidate`` is an intact wallserver database; returns its schema revision."""
    if not candidate.is_file():
        raise BackupError(f"no file at {candidate}")
    try:
        con = sqlite3.connect(f"file:{candidate}?mode=ro", uri=True)
        try:
            result = con.execute("PRAGMA integrity_check").fetchall()
            if result != [("ok",)]:
                raise BackupError(f"{candidate} is damaged: {result[0][0]}")
            tables = {r[0] for r in con.execute("SELECT name FROM sqlite_master")}
            if not {"alembic_version", "event", "post", "wall_entry"} <= tables:
                raise BackupError(f"{candidate} is not a wallserver database")
            row = con.execute("SELECT version_num FROM alembic_version").fetchone()
        finally:
            con.close()
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"{candidate} is not a SQLite database ({exc})") from exc
    if row is None or not known_revision(row[0]):
        raise BackupError(
            f"{candidate} has schema revision {row[0] if row else 'none'}, which this wallserver "
            "does not know (made by a newer version?)"
        )
    return str(row[0])


def in_use(database: Path) -> bool:
    """Whether a server (or a crashed one) may have the database open."""
    return any(database.with_name(database.name + s).exists() for s in ("-wal", "-shm"))


def restore(candidate: Path, database: Path, known_revision: Callable[[str], bool]) -> str:
    """Replace ``database`` by ``candidate`` after checking it; returns its schema revision."""
    if in_use(database):
        raise BackupError(
            f"{database} is open ({database.name}-wal or -shm exists): stop the server first. "
            "After a crash, start and stop it once, or pass --force if no server runs."
        )
    return replace(candidate, database, known_revision)


def replace(candidate: Path, database: Path, known_revision: Callable[[str], bool]) -> str:
    revision = check(candidate, known_revision)
    database.parent.mkdir(parents=True, exist_ok=True)
    incoming = database.with_name(f".{database.name}.restoring")
    incoming.unlink(missing_ok=True)
    source = sqlite3.connect(f"file:{candidate}?mode=ro", uri=True)
    try:
        copy = sqlite3.connect(incoming)
        try:
            source.backup(copy)
        finally:
            copy.close()
    finally:
        source.close()
    if database.exists():
        os.replace(database, database.with_name(database.name + ".before-restore"))
    for suffix in ("-wal", "-shm"):  # only with --force: a crashed server's leftovers
        database.with_name(database.name + suffix).unlink(missing_ok=True)
    os.replace(incoming, database)
    return revision
