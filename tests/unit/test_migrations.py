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


def test_0004_keeps_the_outbox_rows_and_resolves_duplicates(tmp_path) -> None:
    """Rows written before 0004 get a status and a delivery id; the new unique indexes
    find at most one open handoff and one active consent per conversation."""
    url = f"sqlite:///{tmp_path / 'before_0004.db'}"
    upgrade(url, "0003")
    engine = create_engine(url, future=True)
    when = "'2026-01-01 10:00:00'"
    with engine.begin() as connection:
        for delivered in ("NULL", when, "NULL"):
            connection.execute(
                text(
                    "INSERT INTO outbox (conversation_id, kind, payload, attempts, "
                    f"next_attempt_at, delivered_at, created_at) VALUES ('c', 'webhook', "
                    f"'{{}}', 1, {when}, {delivered}, {when})"
                )
            )
        for status in ("waiting", "active", "closed"):
            connection.execute(
                text(
                    "INSERT INTO handoffs (conversation_id, status, reason, created_at) "
                    f"VALUES ('c', '{status}', 'lead', {when})"
                )
            )
        for _ in range(2):
            connection.execute(
                text(
                    "INSERT INTO consents (conversation_id, purpose, text_version, given_at, "
                    f"created_at) VALUES ('c', 'p', 'v1', {when}, {when})"
                )
            )
    upgrade(url)
    assert _diffs(url) == []
    with engine.connect() as connection:
        outbox = connection.execute(
            text("SELECT status, lease_until, delivery_id FROM outbox ORDER BY id")
        ).all()
        handoffs = connection.execute(text("SELECT status FROM handoffs ORDER BY id")).all()
        active = connection.execute(
            text("SELECT id FROM consents WHERE withdrawn_at IS NULL")
        ).all()
        consents = connection.execute(text("SELECT count(*) FROM consents")).scalar()
    assert [(status, lease) for status, lease, _ in outbox] == [
        ("pending", None),
        ("delivered", None),
        ("pending", None),
    ]
    delivery_ids = [delivery_id for _, _, delivery_id in outbox]
    assert all(delivery_ids) and len(set(delivery_ids)) == 3
    # The handoff an advisor already took stays open; the other is closed, not deleted.
    assert [status for (status,) in handoffs] == ["closed", "active", "closed"]
    # The oldest active consent stays; the duplicate says the same and is removed.
    assert (len(active), consents) == (1, 1)


def test_0004_can_be_downgraded(tmp_path) -> None:
    url = f"sqlite:///{tmp_path / 'down.db'}"
    upgrade(url)
    from alembic import command

    from bot.store.migrate import alembic_config

    command.downgrade(alembic_config(url), "0003")
    engine = create_engine(url, future=True)
    with engine.connect() as connection:
        columns = {c["name"] for c in inspect(connection).get_columns("outbox")}
        handoff_indexes = {i["name"] for i in inspect(connection).get_indexes("handoffs")}
    assert not {"status", "lease_until", "delivery_id"} & columns
    assert handoff_indexes == {"ix_handoffs_conversation_id"}
    upgrade(url)
    assert _diffs(url) == []


def test_partial_unique_indexes_have_the_models_conditions(tmp_path) -> None:
    # compare_metadata ignores an index's WHERE clause, so this compares them itself.
    url = f"sqlite:///{tmp_path / 'partial.db'}"
    upgrade(url)
    expected = {
        index.name: index.dialect_options["sqlite"]["where"].text
        for table in Base.metadata.tables.values()
        for index in table.indexes
        if index.dialect_options["sqlite"]["where"] is not None
    }
    assert set(expected) == {"uq_handoffs_open_conversation", "uq_consents_active_purpose"}
    engine = create_engine(url, future=True)
    with engine.connect() as connection:
        for name, where in expected.items():
            sql = connection.execute(
                text("SELECT sql FROM sqlite_master WHERE type = 'index' AND name = :name"),
                {"name": name},
            ).scalar_one()
            assert sql.startswith("CREATE UNIQUE INDEX")
            assert sql.endswith(f"WHERE {where}")
