"""The ingest baseline: a trivial FastAPI app on uvicorn, run the way ``wallserver serve`` runs.

``python -m bench.baseline_http --port N``. One route, ``POST /api/events/{slug}/ingest``,
validates the body with wallserver's own ``IngestBody`` model and answers 202 with the same shape
of reply, storing nothing. The difference to wallserver is what it costs to authenticate, look up
the event, run the rules and write the post durably (SQLite, ``synchronous=FULL``).
"""

from __future__ import annotations

import argparse
import itertools

import uvicorn
from fastapi import FastAPI
from fastapi.responses import JSONResponse

from bench.servers import HOST
from wallserver.schemas import IngestBody


def create_app() -> FastAPI:
    app = FastAPI(title="bench baseline")
    ids = itertools.count(1)

    @app.post("/api/events/{slug}/ingest", status_code=202)
    async def ingest(slug: str, body: IngestBody) -> JSONResponse:
        return JSONResponse(
            {"id": next(ids), "status": "pending", "created": True}, status_code=202
        )

    @app.get("/healthz")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    return app


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    port = parser.parse_args().port
    # Same call as ``wallserver serve`` (INFO logging with access log, proxy headers, uvloop).
    uvicorn.run(create_app(), host=HOST, port=port, log_level="info", proxy_headers=True)
