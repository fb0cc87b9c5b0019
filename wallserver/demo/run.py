"""Run the demo: provision, serve on uvicorn, start the crowd, print where to look."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable

import uvicorn

from wallserver.app import create_app
from wallserver.demo.crowd import Crowd
from wallserver.demo.provision import NAME, Credentials, credentials_file, ensure_secret, provision
from wallserver.settings import Settings


async def run_demo(
    settings: Settings,
    host: str,
    port: int,
    *,
    crowd: bool,
    rate: float,
    say: Callable[[str], object],
) -> None:
    settings = ensure_secret(settings)
    creds = await provision(settings)
    server = uvicorn.Server(
        uvicorn.Config(create_app(settings), host=host, port=port, log_level="warning")
    )
    serving = asyncio.create_task(server.serve())
    while not server.started:
        if serving.done():
            serving.result()  # startup failed (port taken...): let it raise
            raise SystemExit(f"could not start the server on {host}:{port}")
        await asyncio.sleep(0.05)
    bound = server.servers[0].sockets[0].getsockname()[1]
    base = f"http://{'127.0.0.1' if host in ('0.0.0.0', '::') else host}:{bound}"
    say(banner(base, creds, settings, crowd, rate))
    simulation = asyncio.create_task(Crowd(base, creds).run(rate)) if crowd else None
    try:
        await serving
    finally:
        if simulation is not None:
            simulation.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await simulation


def banner(base: str, c: Credentials, settings: Settings, crowd: bool, rate: float) -> str:
    moderate = f"{base}/moderate/{c.slug}"
    lines = [
        "",
        f"wallserver demo is running: {NAME}",
        "",
        f"  Big screen   {base}/wall/{c.slug}",
        f"  Phones       {base}/live/{c.slug}",
        f"  Post (QR)    {base}/post/{c.slug}",
        f"  Moderate     {moderate}",
        f"               log in as  moderator / {c.moderator_password}",
        f"  Control      {base}/control/{c.slug}   (screens, layouts, announcements)",
        f"  Admin        {base}/admin   (admin / {c.admin_password})",
        "",
        f"  API tokens   moderator {c.moderator_token}",
        f"               display   {c.display_token}",
        f"               ingest    {c.ingest_token}",
        f"  (also saved in {credentials_file(settings)})",
        "",
        "  The queue and a decision through the API (ID and VERSION from the first call):",
        f"    curl -H 'Authorization: Bearer {c.moderator_token}' \\",
        f"      '{base}/api/events/{c.slug}/posts?status=pending&order=oldest&limit=1'",
        f"    curl -H 'Authorization: Bearer {c.moderator_token}' \\",
        "      -H 'Content-Type: application/json' \\",
        '      -d \'{"action": "approve", "version": VERSION}\' \\',
        f"      {base}/api/posts/ID/decision",
        "",
    ]
    if crowd:
        lines.append(
            f"  A simulated crowd posts about {rate * 60:.0f} times a minute: ambassadors go "
            "straight to the wall,\n  rude posts are rejected by the blocklist, the rest wait "
            "for you in the moderation queue."
        )
    lines += ["", "  Press Ctrl-C to stop.", ""]
    return "\n".join(lines)
