"""Migrations: applied once, recorded, and safe to run again."""

import subprocess
import sys
from pathlib import Path

from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, inspect, text

from tests.conftest import make_settings
from wallserver.db.migrate import alembic_config, upgrade
from wallserver.settings import Settings, to_sync_url


def test_upgrade_twice_keeps_the_schema_and_records_the_head(tmp_path: Path) -> None:
    """A second `db upgrade` (every start runs one) finds the database current."""
    settings = make_settings(tmp_path)
    upgrade(settings)
    upgrade(settings)
    engine = create_engine(to_sync_url(settings.resolved_database_url))
    with engine.connect() as conn:
        version = conn.execute(text("SELECT version_num FROM alembic_version")).scalar_one()
        mode = conn.exec_driver_sql("PRAGMA journal_mode").scalar_one()
    tables = set(inspect(engine).get_table_names())
    engine.dispose()
    assert version == ScriptDirectory.from_config(alembic_config(settings)).get_current_head()
    assert mode == "wal"
    assert {"event", "post", "decision", "wall_entry", "wall_user", "api_token", "source"} <= tables
    assert "login_failure" in tables


SCRIPT = """
import sys
from pathlib import Path
from tests.conftest import make_settings
from wallserver.db.migrate import upgrade
settings = make_settings(Path(sys.argv[1]), database_url=sys.argv[2] or None)
print("ready", flush=True)
sys.stdin.readline()  # imported: start together, as workers do
upgrade(settings)
"""


def test_instances_starting_together_take_turns_to_migrate(any_settings: Settings) -> None:
    """Several processes upgrading one fresh database at once (instances, uvicorn's workers)
    all succeed and leave it at head: they take turns instead of creating the same tables."""
    url = any_settings.database_url or ""
    argv = [sys.executable, "-c", SCRIPT, str(any_settings.data_dir), url]
    workers = [
        subprocess.Popen(
            argv, text=True, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE
        )
        for _ in range(4)
    ]
    for worker in workers:  # each has imported everything and waits for the word
        said = worker.stdout.readline() if worker.stdout else ""
        assert said.strip() == "ready", worker.communicate()[1][-2000:]
    for worker in workers:
        assert worker.stdin
        worker.stdin.write("go\n")
        worker.stdin.flush()
    outcomes = [(w.communicate(timeout=120)[1], w.returncode) for w in workers]
    for err, code in outcomes:
        assert code == 0, err[-2000:]
    engine = create_engine(to_sync_url(any_settings.resolved_database_url))
    with engine.connect() as conn:
        versions = conn.execute(text("SELECT version_num FROM alembic_version")).scalars().all()
    engine.dispose()
    head = ScriptDirectory.from_config(alembic_config(any_settings)).get_current_head()
    assert versions == [head]
