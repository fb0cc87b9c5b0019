"""Settings, read from ``WALL_*`` environment variables (pydantic-settings).

Nothing here is read at import time: :func:`load_settings` is called by the CLI, and tests build
:class:`Settings` directly.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_SECRET_KEY = "change-me"


class Settings(BaseSettings):
    """Everything an operator can set. See the settings table in README.md."""

    model_config = SettingsConfigDict(env_prefix="WALL_", extra="ignore")

    data_dir: Path = Path("./wall-data")
    database_url: str | None = None
    broker_url: str = "memory://"
    secret_key: SecretStr = SecretStr(DEFAULT_SECRET_KEY)
    allowed_origins: list[str] = Field(default_factory=list)
    public_url: str | None = None
    # /docs, /redoc and /openapi.json for anyone, not only admins
    public_docs: bool = False

    max_text_length: int = 1000
    max_json_body_bytes: int = 256 * 1024
    max_upload_bytes: int = 15 * 1024 * 1024
    max_image_pixels: int = 50_000_000

    # submissions from the public page: a tight bucket per device, a generous one per IP (NAT)
    submit_device_per_minute: float = 4.0
    submit_device_burst: int = 6
    submit_ip_per_minute: float = 120.0
    submit_ip_burst: int = 200
    # the privacy notice linked from the posting page; the built-in /privacy page by default
    privacy_url: str = "/privacy"

    ws_client_buffer: int = 1000
    # a live wall client whose socket holds more unsent bytes than this is closed with 4008
    ws_send_buffer_bytes: int = Field(default=512 * 1024, ge=64 * 1024)
    ws_replay_page: int = 500
    # permessage-deflate on the sockets: off, it costs ~30 KiB per viewer and CPU per message
    # (docs/performance.md, "Issue #12"); when on, uvicorn uses 4 KiB windows (12 bits)
    ws_compression: bool = False
    # a ping every so many seconds; a peer that has not answered within as many is dropped.
    # 0 turns pings off (then a dead peer is found only when its send buffer fills)
    ws_ping_seconds: float = Field(default=20.0, ge=0)
    session_hours: int = 12
    sqlite_synchronous: Literal["FULL", "NORMAL"] = "FULL"
    cookie_secure: bool = False
    log_level: str = "INFO"
    # "json": one JSON object per line, with request ids (for log collectors); "text" for a
    # terminal (docs/operations.md)
    log_format: Literal["text", "json"] = "text"

    # sources (connectors): retry backoff, how often leases are retried, the shortest poll
    sources_enabled: bool = True
    source_backoff_seconds: float = 1.0
    source_backoff_max_seconds: float = 300.0
    source_lease_seconds: float = 10.0
    source_poll_floor_seconds: float = 30.0
    # how often connectors ask the network whether recent posts were deleted meanwhile
    # (besides once after every reconnect); see docs/sources.md, "Deletions retract"
    source_reconcile_seconds: float = 300.0
    # where sources (feeds, APIs, instances) may connect besides public addresses (see
    # wallserver/netpolicy.py): an intranet feed, or ``["127.0.0.0/8"]`` for tests' fake servers
    source_allow_networks: list[str] = Field(default_factory=list)

    # remote media (connectors, webhooks, the ingest API): fetched and re-hosted, never
    # hot-linked; only public addresses unless a network is listed (``["127.0.0.0/8"]`` in tests)
    media_fetch_seconds: float = 10.0
    media_fetch_max_bytes: int = 15 * 1024 * 1024
    media_fetch_allow_networks: list[str] = Field(default_factory=list)
    # short videos (MP4/WebM) from guests and connectors: off while 0; raise
    # WALL_MAX_UPLOAD_BYTES too for uploads, it bounds the whole request
    video_max_bytes: int = 0
    video_max_seconds: float = 30.0

    # days a post's personal data and media are kept; `wallserver purge --expired` (run it from
    # cron) deletes older ones. 0: kept until purged by hand (docs/operations.md)
    retention_days: int = Field(default=0, ge=0)

    @property
    def resolved_database_url(self) -> str:
        """The async SQLAlchemy URL, defaulting to a SQLite file in the data directory."""
        if self.database_url:
            return to_async_url(self.database_url)
        return f"sqlite+aiosqlite:///{(self.data_dir / 'wall.sqlite3').resolve()}"

    @property
    def media_dir(self) -> Path:
        return self.data_dir / "media"

    def has_real_secret(self) -> bool:
        value = self.secret_key.get_secret_value()
        return bool(value) and value != DEFAULT_SECRET_KEY and len(value) >= 16


def to_async_url(url: str) -> str:
    """Map the URLs operators write to the async drivers wallserver uses."""
    for prefix in ("postgresql+psycopg://", "postgresql+asyncpg://", "sqlite+aiosqlite://"):
        if url.startswith(prefix):
            return url
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    if url.startswith("sqlite://"):
        return "sqlite+aiosqlite://" + url[len("sqlite://") :]
    raise ValueError(f"unsupported database URL scheme: {url.split(':', 1)[0]}")


def to_sync_url(url: str) -> str:
    """The same database for synchronous tools (Alembic)."""
    url = to_async_url(url)
    if url.startswith("sqlite+aiosqlite://"):
        return "sqlite://" + url[len("sqlite+aiosqlite://") :]
    return url  # psycopg 3 serves both sync and async


def load_settings(**overrides: object) -> Settings:
    return Settings(**overrides)  # type: ignore[arg-type]
