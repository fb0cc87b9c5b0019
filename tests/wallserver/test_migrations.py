"""Migrations: applied once, recorded, and safe to run again."""

from pathlib import Path

from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, inspect, text

from tests.conftest import make_settings
from wallserver.db.migrate import alembic_config, upgrade
from wallserver.settings import to_sync_url


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
