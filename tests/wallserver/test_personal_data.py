"""Data hygiene (issue #13): forgetting an author, purging an event or expired posts, backups."""

from __future__ import annotations

import asyncio
import json
import sqlite3
from pathlib import Path

from typer.testing import CliRunner

from moderation import Status
from tests.conftest import SECRET, Wall, make_settings
from wallserver.cli import app as cli
from wallserver.media import storage
from wallserver.settings import Settings
from wallserver.store import EventInfo, NewPost
from wallserver.store.session import open_store

runner = CliRunner()


def run(data_dir: Path, *args: str, **env: str | None) -> tuple[int, str]:
    """``wallserver ARGS`` in process, with only these WALL_* settings."""
    variables: dict[str, str | None] = {
        "WALL_DATA_DIR": str(data_dir),
        "WALL_SECRET_KEY": SECRET,
        "WALL_DATABASE_URL": None,
        "WALL_RETENTION_DAYS": None,
        **env,
    }
    result = runner.invoke(cli, list(args), env=variables)
    return result.exit_code, result.output


def post(source_id: str, handle: str, text: str, media: list[dict[str, object]]) -> NewPost:
    return NewPost("test", source_id, text, "Name " + handle, handle, media=media)


async def seed(settings: Settings) -> tuple[EventInfo, list[str]]:
    """An event with three approved posts (two by @alice) and one photo each; returns the event
    and the photos' file names."""
    names = [storage.put(f"photo {i}".encode(), settings.media_dir) for i in range(3)]
    async with open_store(settings) as store:
        event = await store.events.create("xmas", "Xmas", ["xmas"], "pre")
        for i, handle in enumerate(["alice", "Alice", "bob"]):
            media = [{"url": f"/media/{names[i]}", "kind": "image", "alt": ""}]
            new = post(f"p{i}", handle, f"secret text {i} of {handle}", media)
            await store.posts.insert(event, new, Status.APPROVED)
    return event, names


async def contents(settings: Settings) -> tuple[list[dict[str, object]], str]:
    """Every post's moderator view, and the wall log as one string."""
    async with open_store(settings) as store:
        event = await store.events.get("xmas")
        page = await store.posts.page(event.id, None, 100, None, oldest_first=True)
        log = "\n".join(m.text for m in await store.wall.after(event.id, 0))
    return [p.moderator_view() for p in page.posts], log


def test_forget_withdraws_everything_by_one_author(tmp_path: Path) -> None:
    """`forget --author @ALICE` withdraws both of alice's posts (handle, any case, @ optional),
    rewrites them out of the wall log and deletes their photos; bob's post stays."""
    settings = make_settings(tmp_path)
    _, names = asyncio.run(seed(settings))
    code, output = run(tmp_path, "forget", "--event", "xmas", "--author", "@ALICE")
    assert code == 0, output
    assert "withdrew 2 posts" in output
    posts, log = asyncio.run(contents(settings))
    assert [p["status"] for p in posts] == ["withdrawn", "withdrawn", "approved"]
    assert "alice" not in json.dumps(posts[:2]).lower() and "alice" not in log.lower()
    assert "secret text 2 of bob" in log
    assert [(settings.media_dir / n).exists() for n in names] == [False, False, True]


def test_purge_event_blanks_every_post_and_keeps_the_rows(tmp_path: Path) -> None:
    """`purge --event` deletes texts, names and media of every post; the rows (counts) stay."""
    settings = make_settings(tmp_path)
    _, names = asyncio.run(seed(settings))
    code, output = run(tmp_path, "purge", "--event", "xmas")
    assert code == 0, output
    posts, log = asyncio.run(contents(settings))
    assert len(posts) == 3
    assert {p["status"] for p in posts} == {"withdrawn"}
    assert "secret" not in json.dumps(posts) + log and "Name" not in log
    assert not any((settings.media_dir / n).exists() for n in names)


def test_purge_expired_takes_only_posts_past_the_retention(tmp_path: Path) -> None:
    """`purge --expired` with WALL_RETENTION_DAYS purges posts received before the cutoff."""
    settings = make_settings(tmp_path)
    asyncio.run(seed(settings))
    with sqlite3.connect(tmp_path / "wall.sqlite3") as con:
        con.execute("UPDATE post SET received_at = '2020-01-01 00:00:00' WHERE source_id = 'p0'")
    assert run(tmp_path, "purge", "--expired")[0] == 2  # no retention set
    code, output = run(tmp_path, "purge", "--expired", WALL_RETENTION_DAYS="30")
    assert code == 0, output
    assert "purged 1 posts older than 30 days" in output
    posts, _ = asyncio.run(contents(settings))
    assert [p["status"] for p in posts] == ["withdrawn", "approved", "approved"]


def test_an_events_own_retention_counts_from_its_end(tmp_path: Path) -> None:
    """`event retention xmas 0`: nothing is purged while the event runs; once it has ended,
    `purge --expired` (no WALL_RETENTION_DAYS) takes its posts and deletes their photos. An
    event with a retention of its own is left alone by the deployment's retention."""
    settings = make_settings(tmp_path)
    _, names = asyncio.run(seed(settings))
    assert run(tmp_path, "purge", "--expired")[0] == 2  # nothing set anywhere
    code, output = run(tmp_path, "event", "retention", "xmas", "0")
    assert code == 0, output
    assert "xmas: 0 days after it ends" in output
    assert "xmas: 0 days after it ends" in run(tmp_path, "event", "retention", "xmas")[1]

    code, output = run(tmp_path, "purge", "--expired")
    assert code == 0, output
    assert "purged 0 posts" in output  # still live
    with sqlite3.connect(tmp_path / "wall.sqlite3") as con:
        con.execute("UPDATE post SET received_at = '2020-01-01 00:00:00'")
    assert "purged 0 posts" in run(tmp_path, "purge", "--expired", WALL_RETENTION_DAYS="30")[1]
    assert run(tmp_path, "event", "state", "xmas", "ended")[0] == 0

    code, output = run(tmp_path, "purge", "--expired")
    assert code == 0, output
    assert "purged 3 posts past their event's retention" in output
    posts, log = asyncio.run(contents(settings))
    assert {p["status"] for p in posts} == {"withdrawn"}
    assert "secret" not in json.dumps(posts) + log
    assert not any((settings.media_dir / n).exists() for n in names)


def test_an_events_retention_waits_its_days_after_the_end(tmp_path: Path) -> None:
    """With 7 days, an event that ended 3 days ago keeps its posts; 8 days ago, they go."""
    settings = make_settings(tmp_path)
    asyncio.run(seed(settings))
    assert run(tmp_path, "event", "retention", "xmas", "7")[0] == 0
    assert run(tmp_path, "event", "state", "xmas", "ended")[0] == 0
    ended = tmp_path / "wall.sqlite3"
    for days_ago, purged in ((3, 0), (8, 3)):
        with sqlite3.connect(ended) as con:
            con.execute(f"UPDATE event SET ended_at = datetime('now', '-{days_ago} days')")
        assert f"purged {purged} posts" in run(tmp_path, "purge", "--expired")[1]
    assert run(tmp_path, "event", "retention", "xmas", "soon")[0] == 2
    code, output = run(tmp_path, "event", "retention", "xmas", "default")
    assert code == 0 and "WALL_RETENTION_DAYS" in output


async def test_admins_set_an_events_retention_over_http(wall: Wall) -> None:
    """`PUT /api/events/{slug}/retention` (admins only) sets or clears it; the event says it."""
    url = f"/api/events/{wall.event.slug}/retention"
    refused = await wall.client.put(url, json={"days": 3}, headers=wall.auth("moderator"))
    assert refused.status_code == 403
    for bad in ({"days": -1}, {"days": 4000}, {"days": "3"}, {}):
        answer = await wall.client.put(url, json=bad, headers=wall.auth("admin"))
        assert answer.status_code == 422, bad
        assert answer.json()["error"]["code"] == "validation_error"
    done = await wall.client.put(url, json={"days": 3}, headers=wall.auth("admin"))
    assert done.status_code == 200 and done.json()["retention_days"] == 3
    assert (await wall.client.get("/api/events/xmas")).json()["retention_days"] == 3
    cleared = await wall.client.put(url, json={"days": None}, headers=wall.auth("admin"))
    assert cleared.json()["retention_days"] is None


async def test_admins_forget_an_author_over_http(any_wall: Wall) -> None:
    """`POST /api/events/{slug}/forget` (admins only) withdraws the author's posts."""
    w = any_wall
    for i, handle in enumerate(["carol", "dave"]):
        sent = await w.ingest(f"f{i}", f"words of {handle}", author={"name": "", "handle": handle})
        assert sent.status_code == 202, sent.text
        assert (await w.decide(sent.json()["id"], "approve", 1)).status_code == 200
    refused = await w.client.post(
        "/api/events/xmas/forget", json={"author": "carol"}, headers=w.auth("moderator")
    )
    assert refused.status_code == 403
    done = await w.client.post(
        "/api/events/xmas/forget", json={"author": "carol"}, headers=w.auth("admin")
    )
    assert done.status_code == 200, done.text
    [carol] = done.json()["withdrawn"]
    assert (await w.store.posts.get(carol)).status == "withdrawn"
    log = "\n".join(m.text for m in await w.store.wall.after(w.event.id, 0))
    assert "carol" not in log and "words of dave" in log


def test_backup_while_open_and_restore_once_closed(tmp_path: Path) -> None:
    """A backup is taken while a connection holds the database open; restore refuses while it
    is open, then replaces the database and keeps the old file beside it."""
    settings = make_settings(tmp_path / "data")
    asyncio.run(seed(settings))
    database = tmp_path / "data" / "wall.sqlite3"
    server = sqlite3.connect(database)  # a running server's connection, in WAL mode
    server.execute("PRAGMA journal_mode=WAL")
    server.execute("UPDATE post SET text = 'later' WHERE source_id = 'p0'")
    server.commit()
    try:
        code, output = run(tmp_path / "data", "backup", str(tmp_path / "b.sqlite3"))
        assert code == 0, output
        assert run(tmp_path / "data", "backup", str(tmp_path / "b.sqlite3"))[0] == 1  # exists
        server.execute("UPDATE post SET text = 'after the backup'")
        server.commit()
        code, output = run(tmp_path / "data", "restore", str(tmp_path / "b.sqlite3"))
        assert code == 1 and "stop the server" in output
    finally:
        server.close()
    code, output = run(tmp_path / "data", "restore", str(tmp_path / "b.sqlite3"))
    assert code == 0, output
    with sqlite3.connect(database) as con:
        texts = sorted(t for (t,) in con.execute("SELECT text FROM post"))
    assert texts[0] == "later" and "after the backup" not in texts
    assert (tmp_path / "data" / "wall.sqlite3.before-restore").exists()


def test_restore_refuses_what_is_not_an_intact_wallserver_database(tmp_path: Path) -> None:
    """Garbage, a foreign SQLite file, or an unknown schema revision: nothing is replaced."""
    (tmp_path / "junk").write_bytes(b"not a database at all" * 100)
    with sqlite3.connect(tmp_path / "other.sqlite3") as con:
        con.execute("CREATE TABLE t (x)")
    asyncio.run(seed(make_settings(tmp_path / "new")))
    with sqlite3.connect(tmp_path / "new" / "wall.sqlite3") as con:
        con.execute("UPDATE alembic_version SET version_num = 'from_the_future'")
    for candidate, why in [
        ("junk", "not a SQLite database"),
        ("other.sqlite3", "not a wallserver database"),
        ("new/wall.sqlite3", "does not know"),
    ]:
        code, output = run(tmp_path / "data", "restore", str(tmp_path / candidate))
        assert code == 1 and why in output, output
    assert not (tmp_path / "data" / "wall.sqlite3").exists()


def test_backup_on_postgres_says_to_use_pg_dump(tmp_path: Path) -> None:
    """PostgreSQL has its own tools: the command says which and exits non-zero."""
    url = "postgresql://wall@db/wall"
    for command in (["backup", str(tmp_path / "b")], ["restore", str(tmp_path / "b")]):
        code, output = run(tmp_path, *command, WALL_DATABASE_URL=url)
        assert code == 2 and "pg_dump" in output
