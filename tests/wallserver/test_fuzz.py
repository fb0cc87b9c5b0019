"""Schemathesis over the app's own OpenAPI schema (#13, part 4): every operation, called as an
admin with generated inputs, valid and invalid ones, answers without a server error.

A real uvicorn serves the app in a thread; each operation gets a few examples, so the whole run
stays well under a minute. A 5xx fails the test with the request that caused it.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import uvicorn
from hypothesis import HealthCheck, assume, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from tests.conftest import free_port, make_settings
from wallserver.app import create_app
from wallserver.store.session import open_store

schemathesis = pytest.importorskip("schemathesis")

EXAMPLES = 10  # per operation, valid inputs and invalid ones: 30-50 s on a loaded machine


@dataclass
class Target:
    url: str
    headers: dict[str, str]
    admin_token_id: int


@pytest.fixture(scope="module")
def target(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Target]:
    settings = make_settings(Path(tmp_path_factory.mktemp("fuzz")))

    async def prepare() -> tuple[str, int]:
        async with open_store(settings) as store:
            event = await store.events.create("xmas", "Christmas", ["xmas"], "pre")
            await store.auth.create_token("moderator", event.id, "fuzz moderator")
            secret, info = await store.auth.issue_token("admin", None, "fuzzer")
            return secret, info.id

    secret, token_id = asyncio.run(prepare())
    port = free_port()
    config = uvicorn.Config(
        create_app(settings), host="127.0.0.1", port=port, log_level="warning", lifespan="on"
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="fuzzed-server")
    thread.start()
    ready = threading.Event()
    while not server.started and thread.is_alive():
        ready.wait(0.02)  # uvicorn has no started event to wait on; poll its flag
    try:
        assert server.started, "the server did not start"
        yield Target(f"http://127.0.0.1:{port}", {"Authorization": f"Bearer {secret}"}, token_id)
    finally:
        server.should_exit = True
        thread.join(30)


def test_no_operation_answers_a_server_error(target: Target) -> None:
    import requests
    from schemathesis.generation.modes import GenerationMode

    schema = schemathesis.openapi.from_url(f"{target.url}/openapi.json", headers=target.headers)
    session = requests.Session()
    failures: list[str] = []
    operations = 0
    statuses: dict[int, int] = {}
    for result in schema.get_all_operations():
        operation = result.ok()
        operations += 1

        cases = st.one_of(
            operation.as_strategy(GenerationMode.POSITIVE),
            operation.as_strategy(GenerationMode.NEGATIVE),
        )

        @hypothesis_settings(
            max_examples=EXAMPLES,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
            derandomize=True,
        )
        @given(case=cases)
        def check(case: object) -> None:
            path = getattr(case, "path_parameters", None) or {}
            # Revoking its own token would leave the rest of the run answering 401.
            assume(path.get("token_id") != target.admin_token_id)
            if "slug" in path:
                path["slug"] = "xmas"  # past the event lookup, to the inputs behind it
            response = case.call(  # type: ignore[attr-defined]
                base_url=target.url, session=session, headers=target.headers
            )
            statuses[response.status_code] = statuses.get(response.status_code, 0) + 1
            if response.status_code >= 500:
                failures.append(
                    f"{case.method} {case.formatted_path}: {response.status_code} "  # type: ignore[attr-defined]
                    f"{response.text[:200]} ({case.as_curl_command()})"
                )  # type: ignore[attr-defined]

        check()
    assert operations >= 40, f"only {operations} operations in the schema"
    assert failures == []
    assert statuses.get(200, 0) > operations, statuses  # the admin token got it past auth
    assert sum(n for code, n in statuses.items() if code in (400, 422)) > operations, statuses
