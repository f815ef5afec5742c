"""The Alembic migrations build exactly the schema the models describe."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect, text

from bot.store.migrate import main, upgrade
from bot.store.models import Base


def _diffs(url: str) -> list:
    engine = create_engine(url, future=True)
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return compare_metadata(context, Base.metadata)


def test_a_fresh_database_matches_the_models(tmp_path) -> None:
    url = f"sqlite:///{tmp_path / 'fresh.db'}"
    upgrade(url)
    assert _diffs(url) == []


def test_upgrading_twice_changes_nothing(tmp_path) -> None:
    url = f"sqlite:///{tmp_path / 'twice.db'}"
    upgrade(url)
    upgrade(url)
    assert _diffs(url) == []


def test_a_database_from_before_the_migrations_is_adopted_with_its_rows(tmp_path) -> None:
    url = f"sqlite:///{tmp_path / 'legacy.db'}"
    engine = create_engine(url, future=True)
    Base.metadata.tables["precheck_results"].create(engine)
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO precheck_results (conversation_id, answers, outcome, reasons, "
                "consent_text_version, consented_at, created_at) VALUES ('c', '{}', 'clear', "
                "'[]', 'v1', '2026-01-01', '2026-01-01')"
            )
        )
    upgrade(url)
    assert _diffs(url) == []
    with engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM precheck_results")).scalar() == 1
        assert "leads" in inspect(connection).get_table_names()


def test_the_command_migrates_the_configured_database(tmp_path, capsys) -> None:
    url = f"sqlite:///{tmp_path / 'sub' / 'cli.db'}"
    assert main(["--url", url]) == 0
    assert "up to date" in capsys.readouterr().out
    assert _diffs(url) == []
