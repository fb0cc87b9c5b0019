"""Server subprocesses: free ports, start, readiness on ``/healthz``, memory, stop.

Every server the benchmarks talk to runs in its own process (as in production), bound to
127.0.0.1, with its output in a log file whose tail is shown when it fails to start.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import socket
import sys
import time
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import httpx

HOST = "127.0.0.1"
REPO = Path(__file__).resolve().parent.parent
READY_SECONDS = 30.0
STOP_SECONDS = 5.0


class ServerFailed(RuntimeError):
    """A server did not come up (or died); the message carries the tail of its log."""


def free_port() -> int:
    """A port the kernel just handed out for 127.0.0.1 (bind to port 0)."""
    with socket.socket() as s:
        s.bind((HOST, 0))
        return int(s.getsockname()[1])


@dataclass
class Server:
    name: str
    process: asyncio.subprocess.Process
    port: int
    log: Path

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}"

    @property
    def ws_url(self) -> str:
        return f"ws://{HOST}:{self.port}"

    def rss_bytes(self) -> int:
        return rss_bytes(self.process.pid)

    def cpu_seconds(self) -> float:
        return cpu_seconds(self.process.pid)

    def log_tail(self, lines: int = 25) -> str:
        try:
            text = self.log.read_text(errors="replace")
        except OSError:
            return "(no log)"
        return "\n".join(text.splitlines()[-lines:])


def rss_bytes(pid: int) -> int:
    """Resident memory of a process: psutil when installed, else ``VmRSS`` from /proc."""
    try:
        import psutil
    except ImportError:
        pass
    else:
        return int(psutil.Process(pid).memory_info().rss)
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise RuntimeError(f"no VmRSS for pid {pid}")


def cpu_seconds(pid: int) -> float:
    """User plus system CPU time of a process, all threads: psutil, else /proc/PID/stat."""
    try:
        import psutil
    except ImportError:
        pass
    else:
        times = psutil.Process(pid).cpu_times()
        return float(times.user + times.system)
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def python_module(module: str, *args: str) -> list[str]:
    """A command line running ``module`` with this interpreter (the project's venv)."""
    return [sys.executable, "-m", module, *args]


def clean_env(extra: Mapping[str, str]) -> dict[str, str]:
    """This process's environment without ``WALL_*`` settings and proxies, plus ``extra``."""
    proxies = {"http_proxy", "https_proxy", "all_proxy", "no_proxy"}
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("WALL_") and k.lower() not in proxies
    }
    env.update(extra)
    return env


def _open_log(path: Path) -> IO[bytes]:
    return path.open("wb")


@contextlib.asynccontextmanager
async def running(
    name: str, argv: list[str], port: int, env: Mapping[str, str], log: Path
) -> AsyncIterator[Server]:
    """Start a server, wait until ``/healthz`` answers, and always stop it on the way out."""
    log_file = _open_log(log)
    try:
        process = await asyncio.create_subprocess_exec(
            *argv,
            cwd=REPO,
            env=dict(env),
            stdin=asyncio.subprocess.DEVNULL,
            stdout=log_file,
            stderr=asyncio.subprocess.STDOUT,
            start_new_session=True,  # a Ctrl-C in the terminal reaches only the runner
        )
    finally:
        log_file.close()
    server = Server(name, process, port, log)
    try:
        await wait_ready(server)
        yield server
    finally:
        await stop(server)


async def wait_ready(server: Server, deadline: float = READY_SECONDS) -> None:
    """Poll ``GET /healthz`` until it answers 200, the process dies, or the deadline passes."""
    end = time.monotonic() + deadline
    async with httpx.AsyncClient(base_url=server.url, timeout=2.0, trust_env=False) as client:
        while True:
            if server.process.returncode is not None:
                raise ServerFailed(
                    f"{server.name} exited with {server.process.returncode}:\n" + server.log_tail()
                )
            with contextlib.suppress(httpx.HTTPError):
                if (await client.get("/healthz")).status_code == 200:
                    return
            if time.monotonic() > end:
                raise ServerFailed(
                    f"{server.name} not ready after {deadline:.0f}s:\n" + server.log_tail()
                )
            await asyncio.sleep(0.1)


async def stop(server: Server) -> None:
    """SIGTERM, then SIGKILL if it has not exited after a few seconds."""
    process = server.process
    if process.returncode is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        process.send_signal(signal.SIGTERM)
    try:
        async with asyncio.timeout(STOP_SECONDS):
            await process.wait()
    except TimeoutError:
        with contextlib.suppress(ProcessLookupError):
            process.kill()
        await process.wait()
