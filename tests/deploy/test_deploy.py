"""deploy/: the compose file wires what several instances need, and nginx accepts its config."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from wallserver.settings import Settings

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"
NGINX = Path("/usr/sbin/nginx")
INSTANCES = ("wallserver-1", "wallserver-2")


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load((DEPLOY / "docker-compose.yml").read_text())
    return loaded


def test_every_service_is_there_and_builds_or_pulls_an_image(compose: dict[str, Any]) -> None:
    """PostgreSQL, Redis, a migration step, two instances built from the repo and nginx."""
    services = compose["services"]
    assert set(services) == {"postgres", "redis", "migrate", *INSTANCES, "nginx"}
    for name in ("postgres", "redis", "nginx"):
        assert re.fullmatch(r"[a-z]+:[\w.-]+", services[name]["image"]), name
    for name in ("migrate", *INSTANCES):
        build = services[name]["build"]
        assert (DEPLOY / build["context"] / build["dockerfile"]).resolve() == (
            DEPLOY.parent / "Dockerfile"
        )
    assert services["migrate"]["command"] == ["wallserver", "db", "upgrade"]


def test_each_dependency_waits_for_a_healthcheck(compose: dict[str, Any]) -> None:
    """Whatever a service waits for has a healthcheck (or, for migrations, has finished)."""
    services = compose["services"]
    for name, service in services.items():
        for dependency, rule in service.get("depends_on", {}).items():
            if dependency == "migrate":
                assert rule == {"condition": "service_completed_successfully"}, name
                continue
            assert rule == {"condition": "service_healthy"}, (name, dependency)
            check = services[dependency]["healthcheck"]
            assert check["test"][0] == "CMD" and not check.get("disable"), dependency
    for name in INSTANCES:
        assert set(services[name]["depends_on"]) == {"postgres", "redis", "migrate"}
    assert set(services["nginx"]["depends_on"]) == set(INSTANCES)
    for name in INSTANCES:
        assert "/healthz" in " ".join(services[name]["healthcheck"]["test"])


def test_instances_get_the_settings_several_instances_need(compose: dict[str, Any]) -> None:
    """Shared database, broker, data directory and secret key (from the env file), the same for
    both instances, and every WALL_ name is a real setting."""
    services = compose["services"]
    env = services["wallserver-1"]["environment"]
    assert env == services["wallserver-2"]["environment"]
    assert env["WALL_DATABASE_URL"].startswith("postgresql://wall:${POSTGRES_PASSWORD")
    assert env["WALL_DATABASE_URL"].endswith("@postgres:5432/wall")
    assert env["WALL_BROKER_URL"] == "${WALL_BROKER_URL:-redis://redis:6379/0}"
    assert env["WALL_DATA_DIR"] == "/data"
    assert env["FORWARDED_ALLOW_IPS"] == "*"  # uvicorn believes nginx's X-Forwarded-For
    known = {f"WALL_{name.upper()}" for name in Settings.model_fields}
    assert {k for k in env if k.startswith("WALL_")} <= known
    for name in INSTANCES:
        assert services[name]["env_file"] == [{"path": "wall.env", "required": True}]
        assert "media:/data" in services[name]["volumes"]  # uploads seen by both instances
        assert "ports" not in services[name]  # reachable only through nginx
    example = (DEPLOY / "wall.env.example").read_text()
    assert re.search(r"^WALL_SECRET_KEY=$", example, re.MULTILINE)  # to fill in, never shipped
    settings = {line.split("=")[0].lstrip("# ") for line in example.splitlines() if "=" in line}
    assert {s for s in settings if s.startswith("WALL_")} <= known


def test_nginx_mounts_its_config_and_is_the_only_published_service(
    compose: dict[str, Any],
) -> None:
    """nginx.conf from this directory replaces the image's; only nginx has a published port."""
    services = compose["services"]
    assert "./nginx.conf:/etc/nginx/nginx.conf:ro" in services["nginx"]["volumes"]
    assert [name for name, s in services.items() if "ports" in s] == ["nginx"]


def test_nginx_proxies_websockets_and_uploads() -> None:
    """HTTP/1.1 with Upgrade/Connection on /ws/, long socket timeouts, forwarded headers, and a
    body limit 1 MiB above WALL_MAX_UPLOAD_BYTES."""
    conf = (DEPLOY / "nginx.conf").read_text()
    ws = conf[conf.index("location /ws/") :]
    ws = ws[: ws.index("}")]
    assert "proxy_set_header Upgrade $http_upgrade;" in ws
    assert "proxy_set_header Connection $connection_upgrade;" in ws
    assert "proxy_read_timeout 1h;" in ws
    assert "proxy_http_version 1.1;" in conf
    assert "proxy_set_header X-Forwarded-For $remote_addr;" in conf
    assert "proxy_set_header X-Forwarded-Proto $scheme;" in conf
    for name in INSTANCES:
        assert f"server {name}:8000" in conf
    [limit] = re.findall(r"client_max_body_size (\d+)m;", conf)
    assert int(limit) * 2**20 == Settings.model_fields["max_upload_bytes"].default + 2**20


@pytest.mark.skipif(not NGINX.exists(), reason="nginx is not installed (.ci/run installs it)")
def test_nginx_accepts_the_config(tmp_path: Path) -> None:
    """``nginx -t`` passes on the config as shipped, upstream host names aside."""
    # nginx resolves the upstream servers when it loads the config, and wallserver-1/-2 exist only
    # on the compose network: outside Docker `nginx -t` fails with "host not found in upstream".
    # The copy points them at 127.0.0.1 (nothing needs to listen there for a syntax check) and
    # is otherwise the shipped file; -p and -g keep the pid file and logs in tmp_path.
    conf = (DEPLOY / "nginx.conf").read_text()
    local = re.sub(r"\bwallserver-[12]:8000\b", "127.0.0.1:8000", conf)
    assert local != conf
    (tmp_path / "nginx.conf").write_text(local)
    result = subprocess.run(
        [
            str(NGINX),
            "-t",
            "-q",
            "-c",
            str(tmp_path / "nginx.conf"),
            "-p",
            str(tmp_path),
            "-e",
            "stderr",
            "-g",
            f"pid {tmp_path / 'nginx.pid'};",
        ],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert result.returncode == 0, result.stderr


def test_every_proxied_location_passes_host_client_and_request_id() -> None:
    """nginx drops the server's proxy_set_header in a location that sets its own: the socket
    location repeats Host (browsers' Origin check), the client's address and the request id."""
    text = (DEPLOY / "nginx.conf").read_text()
    blocks = re.findall(r"location [^{]+\{(.*?)\n        \}", text, re.DOTALL)
    server = text.split("location", 1)[0]
    for block in [server, *(b for b in blocks if "proxy_set_header" in b)]:
        for header in ("Host $host", "X-Forwarded-For $remote_addr", "X-Request-ID $request_id"):
            assert f"proxy_set_header {header};" in block, (header, block[:60])
