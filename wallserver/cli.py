"""The ``wallserver`` command line (typer). The only place that prints."""

from __future__ import annotations

import asyncio
import logging
import sys
from collections.abc import Coroutine
from contextlib import AbstractAsyncContextManager
from typing import TYPE_CHECKING, Annotated, Any

import typer

from wallserver.settings import Settings, load_settings

if TYPE_CHECKING:
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

    settings = _settings(need_secret=True)
    _logging(settings)
    uvicorn.run(
        create_app(settings),
        host=host,
        port=port,
        log_level=settings.log_level.lower(),
        log_config=uvicorn_config(),
        proxy_headers=True,
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
