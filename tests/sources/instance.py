"""A wallserver instance in its own process, for tests that kill one without a clean shutdown.

    python -m tests.sources.instance DATA_DIR DATABASE_URL

Runs the app's lifespan (so its supervisor takes sources) until it is killed; prints "ready"
once started.
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

from tests.conftest import make_settings
from tests.sources.conftest import FAST
from wallserver.app import create_app


async def main(data_dir: str, database_url: str) -> None:
    app = create_app(make_settings(Path(data_dir), database_url=database_url, **FAST))
    async with app.router.lifespan_context(app):
        print("ready", flush=True)
        await asyncio.Event().wait()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2]))
