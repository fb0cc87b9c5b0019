"""Set up the demo event, accounts and tokens (idempotent: a second run reuses the event)."""

from __future__ import annotations

import json
import secrets
from dataclasses import asdict, dataclass
from pathlib import Path

from pydantic import SecretStr

from wallserver.errors import Conflict
from wallserver.settings import Settings
from wallserver.store.session import open_store

SLUG = "xmas-party"
NAME = "Christmas Party 2026"
HASHTAGS = ["XmasParty26", "Werkstolz", "Dabei"]
AMBASSADORS = ["lena_k", "tobias.m", "aylin", "jonas_w", "marie.s", "felix"]
BLOCKLIST = ["idiot", "scheisse", "arschloch", "crap", "bullshit", "spam"]


@dataclass(frozen=True)
class Credentials:
    slug: str
    moderator_password: str
    admin_password: str
    moderator_token: str
    display_token: str
    ingest_token: str


def ensure_secret(settings: Settings) -> Settings:
    """The demo keeps its own secret key in its data directory."""
    if settings.has_real_secret():
        return settings
    key_file = settings.data_dir / "demo-secret.key"
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    if not key_file.exists():
        key_file.write_text(secrets.token_urlsafe(32))
        key_file.chmod(0o600)
    return settings.model_copy(update={"secret_key": SecretStr(key_file.read_text().strip())})


async def provision(settings: Settings) -> Credentials:
    rules = {"trusted_authors": AMBASSADORS, "banned_authors": [], "blocklist": BLOCKLIST}
    passwords = {"moderator": secrets.token_urlsafe(9), "admin": secrets.token_urlsafe(9)}
    async with open_store(settings) as store:
        try:
            event = await store.events.create(SLUG, NAME, HASHTAGS, "pre", rules)
        except Conflict:
            event = await store.events.set_rules(SLUG, rules)
        for role, password in passwords.items():
            try:
                await store.auth.create_user(role, role, password)
            except Conflict:
                await store.auth.set_password(role, password)
        creds = Credentials(
            slug=event.slug,
            moderator_password=passwords["moderator"],
            admin_password=passwords["admin"],
            moderator_token=await store.auth.create_token("moderator", event.id, "demo moderator"),
            display_token=await store.auth.create_token("display", event.id, "demo screen"),
            ingest_token=await store.auth.create_token("ingest", event.id, "demo crowd"),
        )
    path = settings.data_dir / "demo-credentials.json"
    path.write_text(json.dumps(asdict(creds), indent=2))
    path.chmod(0o600)
    return creds


def credentials_file(settings: Settings) -> Path:
    return settings.data_dir / "demo-credentials.json"
