"""A server process freezes its start-up objects out of garbage collection (wallserver.heap):
full collections then walk only what requests made, not the whole framework (they were the
p99 of /ingest). Run in a subprocess: freezing is process-wide."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

SCRIPT = textwrap.dedent(
    """
    import asyncio, gc, sys
    from pathlib import Path
    from wallserver.app import create_app
    from wallserver.settings import Settings

    async def main(server: bool) -> None:
        settings = Settings(data_dir=Path(sys.argv[1]), secret_key="k" * 32,
                            broker_url="memory://")
        app = create_app(settings, server=server)
        async with app.router.lifespan_context(app):
            print(gc.get_freeze_count())

    asyncio.run(main(sys.argv[2] == "server"))
    """
)


@pytest.mark.parametrize("kind", ["server", "embedded"])
def test_only_a_server_process_freezes_what_start_up_made(tmp_path: Path, kind: str) -> None:
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT, str(tmp_path), kind],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    frozen = int(done.stdout.split()[-1])
    if kind == "server":
        assert frozen > 50_000, f"only {frozen} objects frozen"
    else:
        assert frozen == 0
