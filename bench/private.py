"""Private Redis and PostgreSQL servers for one chaos run: free ports, a temporary directory.

The chaos run restarts them, so it never uses the machine's shared instances (other tests and
other people are using those). PostgreSQL refuses to run as root: as root the cluster belongs to
the ``postgres`` user and every ``initdb``/``pg_ctl`` runs through ``runuser``.
"""

from __future__ import annotations

import asyncio
import contextlib
import glob
import os
import pwd
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

from bench.servers import HOST, free_port

READY_SECONDS = 30.0


class Missing(RuntimeError):
    """A server binary is not installed (``redis-server``, PostgreSQL's ``initdb``/``pg_ctl``)."""


def postgres_bin() -> Path | None:
    """The newest PostgreSQL server's ``bin`` directory, or None when none is installed."""
    found = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"), key=lambda p: int(p.split("/")[4])
    )
    if found:
        return Path(found[-1]).parent
    on_path = shutil.which("pg_ctl")
    return Path(on_path).parent if on_path else None


def missing() -> str | None:
    """Why a private Redis and PostgreSQL cannot run here, or None when they can."""
    if shutil.which("redis-server") is None:
        return "redis-server is not installed"
    if postgres_bin() is None:
        return "PostgreSQL's initdb/pg_ctl are not installed (/usr/lib/postgresql/*/bin)"
    if os.geteuid() == 0:
        try:
            pwd.getpwnam("postgres")
        except KeyError:
            return "running as root and there is no postgres user to run PostgreSQL as"
    return None


class PrivateRedis:
    """``redis-server`` without persistence on a free port; :meth:`restart` loses everything."""

    def __init__(self, workdir: Path) -> None:
        self.port = free_port()
        self.log = workdir / "redis.log"
        self.process: asyncio.subprocess.Process | None = None

    @property
    def url(self) -> str:
        return f"redis://{HOST}:{self.port}/0"

    async def start(self) -> None:
        if shutil.which("redis-server") is None:
            raise Missing("redis-server is not installed")
        argv = ["redis-server", "--port", str(self.port), "--bind", HOST, "--save", ""]
        argv += ["--appendonly", "no", "--daemonize", "no"]
        with self.log.open("ab") as out:
            self.process = await asyncio.create_subprocess_exec(
                *argv, stdout=out, stderr=asyncio.subprocess.STDOUT, start_new_session=True
            )
        await _wait_port(self.port, lambda: self.process is not None and self.process.returncode)

    async def stop(self) -> None:
        if self.process is None or self.process.returncode is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            self.process.kill()
        await self.process.wait()

    async def restart(self) -> None:
        await self.stop()
        await self.start()


class PrivatePostgres:
    """A throw-away PostgreSQL cluster (trust auth) on a free port with its socket in its dir."""

    def __init__(self) -> None:
        found = postgres_bin()
        if found is None:
            raise Missing("PostgreSQL's pg_ctl is not installed")
        self.bin = found
        self.port = free_port()
        # its own directory: the run's work dir is root's and private, postgres could not enter it
        self.dir = Path(tempfile.mkdtemp(prefix="wall-chaos-pg-"))
        self.data = self.dir / "data"
        self.log = self.dir / "postgres.log"
        self.user = "postgres" if os.geteuid() == 0 else None
        if self.user:
            entry = pwd.getpwnam(self.user)
            os.chown(self.dir, entry.pw_uid, entry.pw_gid)

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://postgres@{HOST}:{self.port}/postgres"

    def _run(self, *argv: str) -> None:
        prefix = ["runuser", "-u", self.user, "--"] if self.user else []
        result = subprocess.run(
            [*prefix, *argv], capture_output=True, text=True, cwd=self.dir, check=False
        )
        if result.returncode != 0:
            raise RuntimeError(f"{' '.join(argv[:2])} failed: {result.stdout}{result.stderr}")

    def _pg_ctl(self, *args: str) -> None:
        options = f"-p {self.port} -k {self.dir} -c listen_addresses={HOST}"
        self._run(
            str(self.bin / "pg_ctl"), "-D", str(self.data), "-l", str(self.log),
            "-o", options, "-w", "-t", str(int(READY_SECONDS)), *args,
        )  # fmt: skip

    async def start(self) -> None:
        if not self.data.exists():
            await asyncio.to_thread(
                self._run, str(self.bin / "initdb"), "-A", "trust", "-U", "postgres",
                "-E", "UTF8", "--no-sync", "-D", str(self.data),
            )  # fmt: skip
        await asyncio.to_thread(self._pg_ctl, "start")

    async def restart(self) -> None:
        """A fast shutdown (every connection is cut, transactions roll back) and a start."""
        await asyncio.to_thread(self._pg_ctl, "restart", "-m", "fast")

    async def amcheck(self) -> str:
        """``pg_amcheck`` over the database's tables and B-tree indexes: "ok" or what it found."""
        argv = [str(self.bin / "pg_amcheck"), "-h", HOST, "-p", str(self.port), "-U", "postgres"]
        argv += ["--install-missing", "--heapallindexed", "postgres"]
        result = await asyncio.to_thread(
            subprocess.run, argv, capture_output=True, text=True, check=False
        )
        if result.returncode == 0:
            return "ok"
        return (result.stdout + result.stderr).strip()[:500] or f"exit {result.returncode}"

    async def stop(self) -> None:
        if (self.data / "postmaster.pid").exists():
            with contextlib.suppress(RuntimeError):
                await asyncio.to_thread(self._pg_ctl, "stop", "-m", "immediate")

    def remove(self) -> None:
        shutil.rmtree(self.dir, ignore_errors=True)


async def _wait_port(port: int, exited: object) -> None:
    """Until something accepts on ``port``; fail when ``exited()`` says the process ended."""
    end = time.monotonic() + READY_SECONDS
    while True:
        code = exited() if callable(exited) else None
        if code is not None:
            raise RuntimeError(f"the server on port {port} exited with {code}")
        try:
            _, writer = await asyncio.open_connection(HOST, port)
        except OSError:
            if time.monotonic() > end:
                raise RuntimeError(
                    f"nothing listens on port {port} after {READY_SECONDS}s"
                ) from None
            await asyncio.sleep(0.05)
        else:
            writer.close()
            return
