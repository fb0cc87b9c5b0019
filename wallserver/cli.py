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

GRACE_SECONDS = 5  # within docker stop's 10 s, leaving time to store what is waiting

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

    handler = logging.StreamHandler()
    handler.setFormatter(logs.formatter(settings.log_format))
    logging.basicConfig(level=settings.log_level.upper(), handlers=[handler])
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
        create_app(settings, server=True),
        host=host,
        port=port,
        log_level=settings.log_level.lower(),
        log_config=uvicorn_config(settings.log_format),
        proxy_headers=True,
        # SIGTERM: uvicorn closes wall sockets with 1012 (walls reconnect at once elsewhere),
        # lets requests finish for this long, then cancels them and shuts the app down
        timeout_graceful_shutdown=GRACE_SECONDS,
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
    state: Annotated[
        str, typer.Option(help="draft, rehearsal or live (docs/lifecycle.md); draft to rehearse.")
    ] = "live",
) -> None:
    """Create an event."""
    settings = _settings()

    async def go() -> None:
        async with _store(settings) as store:
            event = await store.events.create(slug, name, hashtag, mode, state=state)
        mode_and_state = f"{event.moderation}-moderation, {event.state}"
        typer.echo(f"created event {event.slug}: {event.name} ({mode_and_state})")

    _run(go())


@event_app.command("update")
def event_update(
    slug: str,
    name: Annotated[str | None, typer.Option(help="A new display name.")] = None,
    hashtag: Annotated[
        list[str] | None,
        typer.Option(help="A hashtag; repeat for more. Replaces all of the event's hashtags."),
    ] = None,
    mode: Annotated[
        str | None, typer.Option(help="pre or post moderation, for posts arriving from now on.")
    ] = None,
) -> None:
    """Fix an event's name, hashtags or moderation mode; what is not given stays."""
    settings = _settings()
    if name is None and not hashtag and mode is None:
        typer.echo("error: give --name, --hashtag or --mode", err=True)
        raise typer.Exit(2)

    from wallserver.events import edit_event

    async def go() -> None:
        async with _store(settings) as store:
            edit = await edit_event(
                store, slug, "operator:cli", name=name, hashtags=hashtag or None, moderation=mode
            )
        await _announce(settings, "events")
        event = edit.after
        tags = " ".join(f"#{t}" for t in event.hashtags)
        typer.echo(f"updated event {event.slug}: {event.name} ({tags}; {event.moderation})")

    _run(go())


@event_app.command("state")
def event_state(
    slug: str,
    state: Annotated[
        str | None, typer.Argument(help="draft, rehearsal, live or ended (omit to show it).")
    ] = None,
    closing: Annotated[
        str | None, typer.Option(help="The closing screen's message, shown once it has ended.")
    ] = None,
) -> None:
    """Show or change an event's lifecycle state (docs/lifecycle.md)."""
    from wallserver.posts.lifecycle import EventLifecycle

    settings = _settings()

    async def go() -> None:
        async with _withdrawals(settings) as withdrawals:
            event = await withdrawals.store.events.get(slug)
            if state is not None or closing is not None:
                done = await EventLifecycle(withdrawals).change(
                    event, state, closing, "operator:cli"
                )
                event = done.event
                if done.withdrawn:
                    typer.echo(f"withdrew {len(done.withdrawn)} test posts of the rehearsal")
        typer.echo(f"{event.slug}: {event.state}")

    _run(go())


@event_app.command("retention")
def event_retention(
    slug: str,
    days: Annotated[
        str | None,
        typer.Argument(
            help="Days after the end to keep personal data and media; 'default' "
            "for WALL_RETENTION_DAYS (omit to show it)."
        ),
    ] = None,
) -> None:
    """Show or set how long an event's posts keep personal data and media after it ends; run
    `wallserver purge --expired` (from cron) to apply it."""
    settings = _settings()
    if days is None:
        value: int | None = None
    elif days == "default":
        value = None
    elif days.isdigit():
        value = int(days)
    else:
        typer.echo("error: DAYS is a whole number of days or 'default'", err=True)
        raise typer.Exit(2)

    async def go() -> None:
        async with _store(settings) as store:
            event = (
                await store.events.get(slug)
                if days is None
                else await store.events.set_retention(slug, value)
            )
        if event.retention_days is None:
            typer.echo(
                f"{event.slug}: WALL_RETENTION_DAYS ({settings.retention_days} days, 0 = kept)"
            )
        else:
            typer.echo(f"{event.slug}: {event.retention_days} days after it ends")

    _run(go())


def _password(from_stdin: bool, prompt: str) -> str:
    """One line of stdin (scripts), or asked twice without echo."""
    if from_stdin:
        return sys.stdin.readline().rstrip("\n")
    return str(typer.prompt(prompt, hide_input=True, confirmation_prompt=True))


@user_app.command("create")
def user_create(
    name: str,
    role: Annotated[str, typer.Option(help="admin or moderator.")],
    password_stdin: Annotated[bool, typer.Option(help="Read the password from stdin.")] = False,
) -> None:
    """Create a user who logs in to the pages."""
    settings = _settings()
    password = _password(password_stdin, "Password")

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
    days: Annotated[
        float | None, typer.Option(min=0.001, help="Refuse the token after this many days.")
    ] = None,
) -> None:
    """Create an API token and print it (it is shown only once)."""
    from datetime import UTC, datetime, timedelta

    settings = _settings(need_secret=True)
    expires = datetime.now(UTC) + timedelta(days=days) if days else None

    async def go() -> None:
        async with _store(settings) as store:
            event_id = (await store.events.get(event)).id if event else None
            typer.echo(await store.auth.create_token(role, event_id, label, expires))

    _run(go())


# --- token and user lifecycle (#13, finding 6) -------------------------------------------------


def _announce(settings: Settings, kind: str) -> Coroutine[Any, Any, None]:
    """Tell running servers at once (over Redis or PostgreSQL); on memory:// they see it
    within 30 s."""
    from wallserver.broker import namespace_for
    from wallserver.invalidation import announce

    namespace = namespace_for(settings.secret_key.get_secret_value())
    return announce(settings.broker_url, namespace, kind)


def _when(moment: Any) -> str:
    return moment.strftime("%Y-%m-%d %H:%M") if moment else "-"


@token_app.command("list")
def token_list(
    event: Annotated[str | None, typer.Option(help="Only this event's tokens.")] = None,
) -> None:
    """List tokens (never their secrets): id, role, event, label, created, last used, expiry."""
    settings = _settings(need_secret=True)

    async def go() -> None:
        async with _store(settings) as store:
            event_id = (await store.events.get(event)).id if event else None
            tokens = await store.auth.list_tokens(event_id)
        typer.echo("id\trole\tevent\tlabel\tcreated\tlast used\texpires")
        for t in tokens:
            expiry = f"{_when(t.expires_at)}{' (expired)' if t.expired else ''}"
            cells = (t.id, t.role, t.event or "*", t.label, _when(t.created_at))
            typer.echo("\t".join(map(str, (*cells, _when(t.last_used_at), expiry))))

    _run(go())


@token_app.command("revoke")
def token_revoke(
    token_id: Annotated[int, typer.Argument(help="The id `token list` shows.")],
) -> None:
    """Revoke a token: every server refuses it from now on."""
    settings = _settings(need_secret=True)

    async def go() -> None:
        async with _store(settings) as store:
            await store.auth.revoke_token(token_id)
        await _announce(settings, "tokens")
        typer.echo(f"revoked token {token_id}")

    _run(go())


@user_app.command("list")
def user_list() -> None:
    """List users: name, role, created, open login sessions."""
    settings = _settings()

    async def go() -> None:
        async with _store(settings) as store:
            users = await store.auth.list_users()
        typer.echo("name\trole\tcreated\tsessions")
        for u in users:
            typer.echo(f"{u.name}\t{u.role}\t{_when(u.created_at)}\t{u.sessions}")

    _run(go())


@user_app.command("delete")
def user_delete(name: str) -> None:
    """Delete a user; their login sessions end at once."""
    settings = _settings()

    async def go() -> None:
        async with _store(settings) as store:
            await store.auth.delete_user(name)
        await _announce(settings, "sessions")
        typer.echo(f"deleted user {name}")

    _run(go())


@user_app.command("password")
def user_password(
    name: str,
    password_stdin: Annotated[bool, typer.Option(help="Read the password from stdin.")] = False,
) -> None:
    """Set a new password for a user; their login sessions end."""
    settings = _settings()
    password = _password(password_stdin, "New password")

    async def go() -> None:
        async with _store(settings) as store:
            await store.auth.set_password(name, password)
        await _announce(settings, "sessions")
        typer.echo(f"new password set for {name}; their sessions ended")

    _run(go())


# --- end of token and user lifecycle ------------------------------------------------------------


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

    async def go() -> None:
        async with _withdrawals(settings) as withdrawals:
            if event is not None:
                found = await withdrawals.store.events.get(event)
                done = await withdrawals.purge_event(found, "operator:cli")
                typer.echo(f"purged {len(done)} posts of {event}")
                return
            own = [e for e in await withdrawals.store.events.all() if e.retention_days is not None]
            if keep <= 0 and not own:
                typer.echo(
                    "no retention: set WALL_RETENTION_DAYS, pass --days N, or give an event "
                    "one (wallserver event retention SLUG DAYS)",
                    err=True,
                )
                raise typer.Exit(2)
            done = await withdrawals.purge_expired(keep, "operator:cli")
            kept = f"older than {keep} days" if keep > 0 else "past their event's retention"
            typer.echo(f"purged {len(done)} posts {kept}")

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
