"""Database: tables, engine, migrations."""
