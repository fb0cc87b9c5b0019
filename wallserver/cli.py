"""The ``wallserver`` command line (typer). The only place that prints."""

from __future__ import annotations

import asyncio
import logging
import sys
from collections.abc import Coroutine
from contextlib import AbstractAsyncContextManager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from wallserver.settings import Settings, load_settings

if TYPE_CHECKING:
    from wallserver.posts.withdrawal import Withdrawals
    from wallserver.store import Store

app = typer.Typer(help="wallserver: a self-hosted social wall for events.", no_args_is_help=True)
event_app = typer.Typer(help="Manage events.", no_args_is_help=True)
user_app = typer.Typer(help="Manage moderator and admin accounts.", no_args_is_help=True)
token_app = typer.Typer(help="Manage API tokens.", no_args_is_help=True)
db_app = typer.Typer(help="Database maintenance.", no_args_is_help=True)
app.add_typer(event_app, name="event")
app.add_typer(user_app, name="user")
app.add_typer(token_app, name="token")
app.add_typer(db_app, name="db")

SECRET_HELP = (
    "WALL_SECRET_KEY is missing or still the default. Set a long random value, e.g.\n"
    "  export WALL_SECRET_KEY=$(python3 -c 'import secrets; print(secrets.token_urlsafe(32))')\n"
    "Keep it stable: tokens and sessions are bound to it. (`wallserver demo` makes its own.)"
)


def _settings(need_secret: bool = False) -> Settings:
    settings = load_settings()
    if need_secret and not settings.has_real_secret():
        typer.echo(SECRET_HELP, err=True)
        raise typer.Exit(2)
    return settings


def _logging(settings: Settings) -> None:
    from wallserver import logs

    logging.basicConfig(
        level=settings.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    logging.getLogger("alembic").setLevel(logging.WARNING)
    logs.quiet_libraries()
    logs.redact_root()


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
) -> None:
    """Run the server (migrates the database first)."""
    import uvicorn

    from wallserver.app import create_app
    from wallserver.logs import uvicorn_config
    from wallserver.stream.direct import server_options

    settings = _settings(need_secret=True)
    _logging(settings)
    uvicorn.run(
        create_app(settings),
        host=host,
        port=port,
        log_level=settings.log_level.lower(),
        log_config=uvicorn_config(),
        proxy_headers=True,
        **server_options(settings),
    )


@app.command()
def demo(
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    crowd: Annotated[bool, typer.Option(help="Simulate a posting crowd.")] = True,
    rate: Annotated[float, typer.Option(help="Crowd posts per second.")] = 0.7,
) -> None:
    """A demo event with a simulated crowd; prints the URLs and credentials."""
    from wallserver.demo.run import run_demo

    settings = load_settings()
    if settings.data_dir == Settings.model_fields["data_dir"].default:
        settings = settings.model_copy(update={"data_dir": settings.data_dir / "demo"})
    _logging(settings)
    logging.getLogger("uvicorn.access").setLevel(logging.WARNING)
    try:
        asyncio.run(run_demo(settings, host, port, crowd=crowd, rate=rate, say=typer.echo))
    except KeyboardInterrupt:
        pass
    typer.echo("demo stopped")


@event_app.command("create")
def event_create(
    slug: str,
    name: Annotated[str, typer.Option(help="Display name.")],
    hashtag: Annotated[list[str], typer.Option(help="A hashtag; repeat for more.")],
    mode: Annotated[str, typer.Option(help="pre or post moderation.")] = "pre",
) -> None:
    """Create an event."""
    settings = _settings()

    async def go() -> None:
        async with _store(settings) as store:
            event = await store.events.create(slug, name, hashtag, mode)
        typer.echo(f"created event {event.slug}: {event.name} ({event.moderation}-moderation)")

    _run(go())


@user_app.command("create")
def user_create(
    name: str,
    role: Annotated[str, typer.Option(help="admin or moderator.")],
    password_stdin: Annotated[bool, typer.Option(help="Read the password from stdin.")] = False,
) -> None:
    """Create a user who logs in to the pages."""
    settings = _settings()
    if password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = typer.prompt("Password", hide_input=True, confirmation_prompt=True)

    async def go() -> None:
        async with _store(settings) as store:
            await store.auth.create_user(name, role, password)
        typer.echo(f"created {role} {name}")

    _run(go())


@token_app.command("create")
def token_create(
    role: Annotated[str, typer.Option(help="admin, moderator, display or ingest.")],
    event: Annotated[str | None, typer.Option(help="Limit the token to this event.")] = None,
    label: Annotated[str, typer.Option(help="A name to recognise the token by.")] = "",
) -> None:
    """Create an API token and print it (it is shown only once)."""
    settings = _settings(need_secret=True)

    async def go() -> None:
        async with _store(settings) as store:
            event_id = (await store.events.get(event)).id if event else None
            typer.echo(await store.auth.create_token(role, event_id, label))

    _run(go())


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Apply the database migrations."""
    from wallserver.db.migrate import upgrade

    settings = _settings()
    upgrade(settings)
    typer.echo("database is up to date")


@app.command()
def forget(
    event: Annotated[str, typer.Option(help="The event's slug.")],
    author: Annotated[str, typer.Option(help="A handle (@ optional), or a name without one.")],
) -> None:
    """Withdraw everything by one author in an event (a takedown request): off the walls and
    the wall log, text, names, contact and media deleted; the audit rows stay."""
    settings = _settings()

    async def go() -> None:
        async with _withdrawals(settings) as withdrawals:
            found = await withdrawals.store.events.get(event)
            done = await withdrawals.forget(found, author, "operator:cli")
        typer.echo(f"withdrew {len(done)} posts by {author} in {event}")

    _run(go())


@app.command()
def purge(
    event: Annotated[str | None, typer.Option(help="Purge every post of this event.")] = None,
    expired: Annotated[
        bool, typer.Option(help="Purge posts older than the retention (any event).")
    ] = False,
    days: Annotated[
        int | None, typer.Option(help="Retention in days for --expired (WALL_RETENTION_DAYS).")
    ] = None,
) -> None:
    """Delete personal data (texts, names, handles, contact, avatars) and media files of an
    event's posts, or of every post past the retention; the posts stay as counted rows."""
    settings = _settings()
    if (event is None) == (not expired):
        typer.echo("give either --event SLUG or --expired", err=True)
        raise typer.Exit(2)
    keep = settings.retention_days if days is None else days
    if expired and keep <= 0:
        typer.echo("no retention: set WALL_RETENTION_DAYS or pass --days N", err=True)
        raise typer.Exit(2)

    async def go() -> None:
        async with _withdrawals(settings) as withdrawals:
            if event is not None:
                found = await withdrawals.store.events.get(event)
                done = await withdrawals.purge_event(found, "operator:cli")
                typer.echo(f"purged {len(done)} posts of {event}")
            else:
                done = await withdrawals.purge_expired(keep, "operator:cli")
                typer.echo(f"purged {len(done)} posts older than {keep} days")

    _run(go())


@app.command()
def backup(path: Annotated[Path, typer.Argument(help="The backup file to write.")]) -> None:
    """Copy the SQLite database to PATH, safely while the server runs (media: copy
    WALL_DATA_DIR/media as well). For PostgreSQL, prints how to use pg_dump."""
    from wallserver.db import backup as copies

    settings = _settings()
    database = copies.sqlite_path(settings.resolved_database_url)
    if database is None:
        typer.echo(copies.POSTGRES_HELP, err=True)
        raise typer.Exit(2)
    try:
        copies.backup(database, path)
    except copies.BackupError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(1) from exc
    typer.echo(f"backed up {database} to {path}")


@app.command()
def restore(
    path: Annotated[Path, typer.Argument(help="A file made by `wallserver backup`.")],
    force: Annotated[
        bool, typer.Option(help="Restore although -wal/-shm files exist (no server runs).")
    ] = False,
) -> None:
    """Replace the SQLite database with PATH. Stop the server first. PATH must pass SQLite's
    integrity check and carry a schema revision this wallserver knows."""
    from wallserver.db import backup as copies
    from wallserver.db.migrate import revisions

    settings = _settings()
    database = copies.sqlite_path(settings.resolved_database_url)
    if database is None:
        typer.echo(copies.POSTGRES_HELP, err=True)
        raise typer.Exit(2)
    known = revisions(settings).__contains__
    try:
        if force:
            revision = copies.replace(path, database, known)
        else:
            revision = copies.restore(path, database, known)
    except copies.BackupError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(1) from exc
    typer.echo(f"restored {database} from {path} (schema {revision}); start the server now")


def _withdrawals(settings: Settings) -> AbstractAsyncContextManager[Withdrawals]:
    from contextlib import asynccontextmanager

    from wallserver.posts.withdrawal import Withdrawals

    @asynccontextmanager
    async def opened() -> Any:
        async with _store(settings) as store:
            yield Withdrawals(store, settings.media_dir)

    return opened()


def _store(settings: Settings) -> AbstractAsyncContextManager[Store]:
    from wallserver.store.session import open_store

    return open_store(settings)


def _run(coro: Coroutine[Any, Any, None]) -> None:
    from wallserver.errors import WallError

    try:
        asyncio.run(coro)
    except WallError as exc:
        typer.echo(f"error: {exc.message}", err=True)
        raise typer.Exit(1) from exc


def main() -> None:
    app()
