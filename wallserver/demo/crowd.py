"""A simulated crowd that posts through the public HTTP API, like real bridges and guests do.

Ambassadors (trusted by the demo rules) go straight to the wall; a few guests trip the blocklist
and are rejected by the rules; everything else waits for a moderator.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import random
import uuid
from datetime import UTC, datetime

import httpx

from wallserver.auth import device
from wallserver.demo.images import photo
from wallserver.demo.provision import AMBASSADORS, HASHTAGS, Credentials

log = logging.getLogger(__name__)

GUESTS = [
    ("Sabine Weber", "sabine_w"),
    ("Daniel Ortiz", "dortiz"),
    ("Mia Hoffmann", "miahoff"),
    ("Kerem Yıldız", "kerem.y"),
    ("Sophie Laurent", "sophiel"),
    ("Paul Becker", "paulb"),
    ("Hannah Schulz", "hannah_s"),
    ("Lukas Nowak", "lnowak"),
    ("Emma Fischer", "emmaf"),
    ("Noah Wagner", "noahw"),
    ("Zoé Martin", "zoe.m"),
    ("Ali Hassan", "alihassan"),
]
LINES = [
    "Was für ein Abend! Danke an das ganze Orga-Team 🎄",
    "The mulled wine is dangerously good tonight 🍷",
    "Unser Team ist komplett – endlich alle mal an einem Tisch!",
    "First Christmas party with this crew and I already love it ✨",
    "Wer hat die Tanzfläche eröffnet? Legendär. 💃",
    "Stolz auf alles, was wir dieses Jahr geschafft haben.",
    "Secret Santa reveal was hilarious 😂🎁",
    "Die Band ist der Wahnsinn, bitte noch eine Zugabe!",
    "Shoutout to the kitchen team, the food is amazing 👏",
    "Frohe Weihnachten an alle Kolleginnen und Kollegen 🎅",
    "Photo booth queue is worth it, trust me 📸",
    "So viele neue Gesichter – schön, dass ihr dabei seid!",
    "Best. Party. Ever. 🎉",
    "Gänsehaut bei der Rede vorhin. Danke für dieses Jahr.",
]
RUDE = ["This DJ is an idiot", "Was für eine Scheiße, das Buffet ist leer", "cheap cr4p prizes"]
SOURCES = ["mastodon", "bluesky", "instagram", "x"]


class Crowd:
    def __init__(self, base_url: str, creds: Credentials, seed: int | None = None) -> None:
        self.base_url = base_url
        self.creds = creds
        self.rng = random.Random(seed)
        self.counter = itertools.count(1)
        self.devices: dict[str, str] = {}  # guest -> the device cookie their phone was given

    async def run(self, rate: float) -> None:
        """Post at about ``rate`` posts per second until cancelled."""
        async with httpx.AsyncClient(base_url=self.base_url, timeout=10) as client:
            while True:
                try:
                    await self.post_one(client)
                except httpx.HTTPError as exc:
                    log.warning("demo crowd could not post: %s", exc)
                await asyncio.sleep(self.rng.expovariate(rate))

    async def post_one(self, client: httpx.AsyncClient) -> httpx.Response:
        roll = self.rng.random()
        if roll < 0.3:
            return await self._ingest(client, self.rng.choice(AMBASSADORS), self._line())
        if roll < 0.38:
            name, handle = self.rng.choice(GUESTS)
            return await self._ingest(client, handle, self.rng.choice(RUDE), name)
        if roll < 0.6:
            return await self._upload(client)
        name, handle = self.rng.choice(GUESTS)
        return await self._ingest(client, handle, self._line(), name)

    def _line(self) -> str:
        tags = " ".join(f"#{t}" for t in self.rng.sample(HASHTAGS, self.rng.randint(1, 2)))
        return f"{self.rng.choice(LINES)} {tags}"

    async def _ingest(
        self, client: httpx.AsyncClient, handle: str, text: str, name: str | None = None
    ) -> httpx.Response:
        source = self.rng.choice(SOURCES)
        body = {
            "source": source,
            "source_id": f"demo-{uuid.uuid4().hex[:12]}",
            "author": {
                "name": name or handle.replace("_", " ").replace(".", " ").title(),
                "handle": handle,
            },
            "text": text,
            "created_at": datetime.now(UTC).isoformat(),
        }
        headers = {"Authorization": f"Bearer {self.creds.ingest_token}"}
        response = await client.post(
            f"/api/events/{self.creds.slug}/ingest", json=body, headers=headers
        )
        response.raise_for_status()
        return response

    async def _upload(self, client: httpx.AsyncClient) -> httpx.Response:
        name, _ = self.rng.choice(GUESTS)
        image = await asyncio.to_thread(photo, self.rng)
        response = await client.post(
            f"/api/events/{self.creds.slug}/submissions",
            data={
                "text": self._line() if self.rng.random() < 0.7 else "",
                "author": name,
                "consent": "true",
            },
            files={"image": (f"IMG_{next(self.counter):04d}.jpg", image, "image/jpeg")},
            headers={"Cookie": f"{device.COOKIE}={await self._device(client, name)}"},
        )
        response.raise_for_status()
        return response

    async def _device(self, client: httpx.AsyncClient, guest: str) -> str:
        """Each guest's own phone: the device cookie the posting page gives on a first visit, so
        the per-device rate limit sees many guests behind one address, as at a venue."""
        if guest not in self.devices:
            page = await client.get(f"/post/{self.creds.slug}")
            page.raise_for_status()
            self.devices[guest] = page.cookies.get(device.COOKIE) or ""
        client.cookies.clear()  # the shared client is every guest's phone: keep no jar
        return self.devices[guest]
