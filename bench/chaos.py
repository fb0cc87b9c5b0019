"""Chaos: a crowd posts and walls watch while servers are killed and connections cut.

``python -m bench chaos --minutes 10`` and ``tests/chaos`` run this same driver. Two setups:

- ``sqlite``: one ``wallserver serve`` on SQLite, post-moderation (posts go straight to the
  walls); the server is SIGKILLed and restarted again and again.
- ``postgres``: two instances on a private PostgreSQL with a private Redis broker; a moderator
  approves every post on instance A while the walls watch instance B (every third wall A). In
  turn Redis is restarted (pub/sub loses what it carried), PostgreSQL is restarted (``pg_ctl
  restart -m fast``), and A or B is SIGKILLed and restarted.

Throughout, walls' connections are cut at random (the TCP connection aborted) and each wall
resumes with ``since=<last seq>``, as the bundled page does. Posters are bridges: a post whose
answer never came is sent again with the same ``source_id`` until it is acknowledged.

Afterwards, from the database: every acknowledged post is stored once with the id it was
acknowledged with, shown on the wall log exactly once, the log's seqs are 1..N without a hole,
every wall received exactly seqs 1..N in order with the very messages of the log, and the
database is sound (SQLite ``PRAGMA integrity_check``).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import random
import shutil
import sys
import tempfile
import time
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import WebSocketException

from bench import loop
from bench.chaos_verdict import (
    SLUG,
    SOURCE,
    Database,
    Report,
    Setup,
    judge,
    read_postgres,
    read_sqlite,
    render,
)
from bench.private import PrivatePostgres, PrivateRedis, missing
from bench.servers import (
    Server,
    ServerFailed,
    clean_env,
    free_port,
    python_module,
    stop,
    wait_ready,
)
from wallserver.settings import Settings
from wallserver.store.session import open_store

SECRET = "chaos-secret-key-0123456789abcdef-not-for-production"


@dataclass(frozen=True, slots=True)
class ChaosConfig:
    setup: Setup
    seconds: float = 60.0
    walls: int = 4
    posters: int = 4
    pace: float = 0.05  # a poster's pause between two posts
    disrupt_every: float = 6.0  # mean seconds between two kills/restarts (jittered by half)
    cut_every: float = 1.0  # mean seconds between two cut wall connections
    rounds: int = 1  # at least this many turns of every disruption, however long that takes
    settle: float = 60.0  # how long the walls get to catch up at the end
    seed: int = 0


class Instance:
    """One ``wallserver serve`` that can be SIGKILLed and started again on the same port."""

    def __init__(self, name: str, env: dict[str, str], log: Path) -> None:
        self.name = name
        self.env = env
        self.log = log
        self.port = free_port()
        self.server: Server | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}"

    async def start(self) -> None:
        with self.log.open("ab") as out:
            process = await asyncio.create_subprocess_exec(
                *python_module("wallserver", "serve", "--port", str(self.port)),
                env=clean_env(self.env),
                stdin=asyncio.subprocess.DEVNULL,
                stdout=out,
                stderr=asyncio.subprocess.STDOUT,
                start_new_session=True,
            )
        self.server = Server(self.name, process, self.port, self.log)
        await wait_ready(self.server, deadline=60.0)

    async def kill(self) -> None:
        """SIGKILL: no shutdown, no flush, no goodbye to the sockets."""
        if self.server is not None and self.server.process.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                self.server.process.kill()
            await self.server.process.wait()

    async def stop(self) -> None:
        if self.server is not None:
            await stop(self.server)


class Watcher:
    """A wall: reads every message, resumes with ``since`` after any disconnect."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.last = 0
        self.seen: list[tuple[int, str]] = []  # (seq, the message as received)
        self.doubles = 0
        self.resets = 0
        self.connects = 0
        self.ws: ClientConnection | None = None

    async def run(self, rng: random.Random) -> None:
        while True:
            try:
                await self._session()
            except (OSError, TimeoutError, WebSocketException):
                pass
            self.ws = None
            await asyncio.sleep(rng.uniform(0.05, 0.3))  # reconnect backoff, jittered

    async def _session(self) -> None:
        url = f"{self.url}/ws/events/{SLUG}/wall?since={self.last}"
        async with connect(url, proxy=None, open_timeout=5, ping_interval=None) as ws:
            hello = json.loads(await ws.recv())
            if hello.get("reset"):
                self.resets += 1
            self.ws = ws
            self.connects += 1
            async for raw in ws:
                text = raw if isinstance(raw, str) else raw.decode()
                seq = int(json.loads(text)["seq"])
                if seq <= self.last:  # sent twice, or out of order
                    self.doubles += 1
                    continue
                self.last = seq  # a skipped seq shows as missing from ``seen``
                self.seen.append((seq, text))

    def cut(self) -> bool:
        """Abort the TCP connection under the wall, as a dropped Wi-Fi would."""
        ws = self.ws
        if ws is None:
            return False
        ws.transport.abort()
        return True


@dataclass
class Crowd:
    """Posters acting as bridges: retry a post until it is acknowledged; approve it if told."""

    ingest_url: Callable[[], str]
    ingest_token: str
    moderator_token: str | None
    pace: float
    acknowledged: dict[str, int] = field(default_factory=dict)
    unanswered: int = 0
    server_errors: Counter[int] = field(default_factory=Counter)  # 5xx answers, by status

    async def post(self, client: httpx.AsyncClient, source_id: str) -> int:
        body = {"source": SOURCE, "source_id": source_id, "text": f"chaos post {source_id}"}
        headers = {"Authorization": f"Bearer {self.ingest_token}"}
        while True:
            url = f"{self.ingest_url()}/api/events/{SLUG}/ingest"
            try:
                response = await client.post(url, json=body, headers=headers)
            except httpx.TransportError:
                response = None
            if response is not None and response.is_success:
                post_id = int(response.json()["id"])
                self.acknowledged[source_id] = post_id
                return post_id
            if response is not None and response.status_code < 500:
                if response.status_code != 429:
                    raise RuntimeError(f"ingest answered {response.status_code}: {response.text}")
            if response is not None and response.status_code >= 500:
                self.server_errors[response.status_code] += 1
            self.unanswered += 1
            await asyncio.sleep(0.1)

    async def approve(self, client: httpx.AsyncClient, post_id: int) -> None:
        headers = {"Authorization": f"Bearer {self.moderator_token}"}
        while True:
            url = f"{self.ingest_url()}/api/posts/{post_id}/decision"
            try:
                response = await client.post(
                    url, json={"action": "approve", "version": 1}, headers=headers
                )
            except httpx.TransportError:
                response = None
            if response is not None and (response.is_success or response.status_code == 409):
                return  # 409: the approval that got no answer did commit (checked at the end)
            if response is not None and response.status_code < 500:
                if response.status_code != 429:
                    raise RuntimeError(f"decision answered {response.status_code}: {response.text}")
            if response is not None and response.status_code >= 500:
                self.server_errors[response.status_code] += 1
            self.unanswered += 1
            await asyncio.sleep(0.1)

    async def run(self, index: int, stopping: asyncio.Event) -> None:
        async with httpx.AsyncClient(timeout=15.0, trust_env=False) as client:
            n = 0
            while not stopping.is_set():
                post_id = await self.post(client, f"p{index}-{n}")
                if self.moderator_token:
                    await self.approve(client, post_id)
                n += 1
                await asyncio.sleep(self.pace)


@dataclass
class Stack:
    """What one setup runs: the instances, the private services, how to read its database."""

    ingest: Instance
    walls: Instance
    instances: list[Instance]
    redis: PrivateRedis | None
    postgres: PrivatePostgres | None
    sqlite_path: Path | None
    tokens: dict[str, str]

    def disruptions(self) -> list[tuple[str, Callable[[], Awaitable[None]]]]:
        """The kills and restarts, in the order they take turns."""
        if self.redis is None or self.postgres is None:
            return [("kill", self._kill(self.ingest))]
        return [
            ("redis", self.redis.restart),
            ("kill", self._kill(self.walls)),
            ("postgres", self.postgres.restart),
            ("kill", self._kill(self.ingest)),
        ]

    @staticmethod
    def _kill(instance: Instance) -> Callable[[], Awaitable[None]]:
        async def kill() -> None:
            await instance.kill()
            await instance.start()

        return kill


@contextlib.asynccontextmanager
async def stack(config: ChaosConfig, workdir: Path) -> AsyncIterator[Stack]:
    """Start the setup's services and servers; stop all of them on the way out."""
    redis = postgres = None
    instances: list[Instance] = []
    await asyncio.to_thread(workdir.mkdir, parents=True, exist_ok=True)
    try:
        settings: dict[str, Any] = {"secret_key": SECRET, "broker_url": "memory://"}
        if config.setup == "postgres":
            redis = PrivateRedis(workdir)
            postgres = PrivatePostgres()
            await redis.start()
            await postgres.start()
            settings |= {"database_url": postgres.url, "broker_url": redis.url}
        moderation = "pre" if config.setup == "postgres" else "post"
        tokens = await provision(Settings(data_dir=workdir / "a", **settings), moderation)
        env = {
            "WALL_SECRET_KEY": SECRET,
            "WALL_BROKER_URL": settings["broker_url"],
            "WALL_LOG_LEVEL": "warning",
        }
        if postgres is not None:
            env["WALL_DATABASE_URL"] = postgres.url
        names = ["a", "b"] if config.setup == "postgres" else ["a"]
        for name in names:
            data = {"WALL_DATA_DIR": str(workdir / name)}
            instances.append(Instance(name, env | data, workdir / f"server-{name}.log"))
        await asyncio.gather(*(instance.start() for instance in instances))
        sqlite_path = workdir / "a" / "wall.sqlite3" if postgres is None else None
        yield Stack(instances[0], instances[-1], instances, redis, postgres, sqlite_path, tokens)
    finally:
        for instance in instances:
            await instance.stop()
        if redis is not None:
            await redis.stop()
        if postgres is not None:
            await postgres.stop()
            postgres.remove()


async def provision(settings: Settings, moderation: str) -> dict[str, str]:
    """The event and its tokens, made through the store before any server starts."""
    async with open_store(settings) as store:
        event = await store.events.create(SLUG, "Chaos Party", ["ChaosParty"], moderation)
        return {
            "ingest": await store.auth.create_token("ingest", event.id, "chaos-bridge"),
            "moderator": await store.auth.create_token("moderator", event.id, "chaos-moderator"),
        }


async def run(config: ChaosConfig, workdir: Path) -> Report:
    """One chaos run of ``config.seconds``, then the checks; the report says what held."""
    rng = random.Random(config.seed)
    report = Report(config.setup)
    started = time.monotonic()
    async with stack(config, workdir) as s:
        crowd = Crowd(
            lambda: s.ingest.url,
            s.tokens["ingest"],
            s.tokens["moderator"] if config.setup == "postgres" else None,
            config.pace,
        )
        # most walls watch B (what A approves reaches them through the broker); every third
        # watches A, whose own fan-out is killed along with it
        watchers = [
            Watcher((s.ingest if i % 3 == 2 else s.walls).ws_url) for i in range(config.walls)
        ]
        stopping = asyncio.Event()
        async with asyncio.TaskGroup() as group:
            walls = [group.create_task(w.run(random.Random(rng.random()))) for w in watchers]
            posters = [group.create_task(crowd.run(i, stopping)) for i in range(config.posters)]
            await _disrupt(config, s, watchers, rng, report, started)
            stopping.set()
            async with asyncio.timeout(config.settle):
                await asyncio.gather(*posters)
            final = (await read_database(s)).wall_seq
            report.behind = await _catch_up(watchers, final, config.settle)
            for task in walls:
                task.cancel()
        for instance in s.instances:
            await instance.stop()  # a clean stop, so SQLite's file can be checked on its own
        database = await read_database(s)
    report.seconds = time.monotonic() - started
    report.unanswered = crowd.unanswered
    report.server_errors = dict(crowd.server_errors)
    report.resumes = sum(max(w.connects - 1, 0) for w in watchers)
    judge(report, database, crowd.acknowledged, watchers)
    return report


async def _disrupt(
    config: ChaosConfig,
    s: Stack,
    watchers: list[Watcher],
    rng: random.Random,
    report: Report,
    started: float,
) -> None:
    """Until the time is up (and every disruption has had ``rounds`` turns): cut walls'
    connections, and kill or restart something in turn."""
    end = started + config.seconds
    turns = s.disruptions()
    turn = 0
    next_disruption = time.monotonic() + rng.uniform(0.5, 1.5) * config.disrupt_every
    while (now := time.monotonic()) < end or turn < config.rounds * len(turns):
        if now >= next_disruption:
            what, action = turns[turn % len(turns)]
            turn += 1
            await action()
            if what == "kill":
                report.kills += 1
            else:
                report.restarts[what] = report.restarts.get(what, 0) + 1
            next_disruption = time.monotonic() + rng.uniform(0.5, 1.5) * config.disrupt_every
            continue
        await asyncio.sleep(min(rng.expovariate(1 / config.cut_every), next_disruption - now))
        if rng.choice(watchers).cut():
            report.cuts += 1


async def _catch_up(watchers: list[Watcher], final: int, within: float) -> int:
    """Wait until every wall has seq ``final``; how many had not within ``within`` seconds."""
    end = time.monotonic() + within
    while time.monotonic() < end:
        if all(w.last >= final for w in watchers):
            return 0
        await asyncio.sleep(0.1)
    return sum(w.last < final for w in watchers)


async def read_database(s: Stack) -> Database:
    """The event's counter, its posts and its wall log, read straight from the database."""
    if s.sqlite_path is not None:
        return await asyncio.to_thread(read_sqlite, s.sqlite_path)
    assert s.postgres is not None
    return await read_postgres(s.postgres)


def main(argv: list[str]) -> int:
    """``python -m bench chaos``: 0 when all held, 1 on a violation, 2 when it could not run."""
    parser = argparse.ArgumentParser(
        prog="python -m bench chaos",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--minutes", type=float, default=10.0, help="whole run, split over setups")
    parser.add_argument("--setup", choices=("sqlite", "postgres", "both"), default="both")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--keep", action="store_true", help="keep the work dir and server logs")
    args = parser.parse_args(argv)
    setups: list[Setup] = ["sqlite", "postgres"] if args.setup == "both" else [args.setup]
    if "postgres" in setups and (why := missing()):
        print(f"chaos: cannot run the postgres setup: {why}", file=sys.stderr)
        return 2
    seconds = args.minutes * 60 / len(setups)
    workdir = Path(tempfile.mkdtemp(prefix="wall-chaos-"))
    print(f"chaos: {', '.join(setups)}, {seconds:.0f}s each, seed {args.seed} (work dir {workdir})")
    reports: list[Report] = []
    keep = args.keep
    try:
        for setup in setups:
            config = ChaosConfig(setup, seconds=seconds, seed=args.seed)
            reports.append(loop.run(run(config, workdir / setup)))
    except KeyboardInterrupt:
        return 130
    except (ServerFailed, RuntimeError, OSError) as exc:
        keep = True
        print(f"chaos could not run: {exc}; logs in {workdir}", file=sys.stderr)
        return 2
    finally:
        if not keep:
            shutil.rmtree(workdir, ignore_errors=True)
    print(render(reports))
    failed = [f"{r.setup}: {', '.join(r.violations)}" for r in reports if r.violations]
    for line in failed:
        print(f"VIOLATION {line}", file=sys.stderr)
    if not failed:
        print("every acknowledged post stored once, every wall saw every event once, in order")
    return 1 if failed else 0
