"""The schema under Alembic: fresh databases, databases from before Alembic (schema_version 1-3,
with rows that must survive), two processes upgrading at once, a database newer than the server,
and the revisions matching store.py's tables on SQLite and PostgreSQL."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import uuid
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from market_server.cli import main
from market_server.http.contract import parse_request
from market_server.ledger.settlement import household_ledger
from market_server.market import community, households, orders, rounds
from market_server.market.gate import open_days
from market_server.storage import migrations
from market_server.storage import store as db
from market_server.storage.auth import check_operator, household_for_token
from market_server.storage.store import Store
from tests.market_server.conftest import POSTGRES_URL, T0
from tests.market_server.invariants import check_invariants
from tests.market_server.serve_process import REPO, cli_command
from tests.waiting import wait_until

LEGACY = Path(__file__).with_name("legacy_schema")
# What the legacy database holds (tests/market_server/legacy_schema/rows.sql).
OPERATOR_TOKEN = "Hhut7vnQTRjgRQ5iEMAdI5uiNwge7RVERFXiOGH_4PE"
MILLER_TOKEN = "7XTpUy3ce2yrEcISNTwhBD5YYwZCJP_9QtS7-J-0Xds"
SCHMIDT_TOKEN = "xls1nS32aUpdx9MG6h-nMeswsaaC04A0d_60bGbVJis"
UNUSED_JOIN_CODE = "F2LE-F67K-MMV2"
UNUSED_CODE_HOUSEHOLD = "hh_45ea7cb626ec0fb7"
REVISIONS = [
    s.revision for s in reversed(list(ScriptDirectory(str(migrations.SCHEMA_DIR)).walk_revisions()))
]


# The legacy tables and indexes are kept once, as create_all emitted them on PostgreSQL
# (legacy_schema/postgresql.sql). SQLite's sqlite_master recorded the same statements but for
# these spellings; when the SQLite snapshot was folded into this table the two agreed statement
# for statement (only two CREATE INDEX lines stood in the other order).
SQLITE_SPELLING = (
    ("TIMESTAMP WITHOUT TIME ZONE", "DATETIME"),
    ("SERIAL", "INTEGER"),
    ("\ttrigger ", '\t"trigger" '),
    ("(trigger, seq)", '("trigger", seq)'),
    ("\tkey ", '\t"key" '),
    ("PRIMARY KEY (key)", 'PRIMARY KEY ("key")'),
)


def _statements(text: str) -> list[str]:
    text = "\n".join(line for line in text.splitlines() if not line.startswith("--"))
    return [s.strip() for s in text.split(";\n") if s.strip()]


def _legacy_tables(dialect: str) -> str:
    """The legacy snapshot's DDL as that dialect's database held it."""
    text = (LEGACY / "postgresql.sql").read_text()
    if dialect == "sqlite":
        for postgresql, sqlite in SQLITE_SPELLING:
            text = text.replace(postgresql, sqlite)
    return text


def _legacy_database(url: str, version: int = 3) -> Store:
    """The legacy snapshot (schema_version 3) loaded into `url`, taken back to `version` as
    0.1.0 (1) and the release after it (2) left it."""
    store = Store(url)
    dialect = "sqlite" if store.is_sqlite else "postgresql"
    with store.write() as conn:
        rows = (LEGACY / "rows.sql").read_text()
        for statement in _statements(_legacy_tables(dialect)) + _statements(rows):
            conn.exec_driver_sql(statement)
        if version < 3:
            conn.exec_driver_sql("DROP INDEX ix_rounds_trigger_seq")
        if version < 2:
            conn.exec_driver_sql("ALTER TABLE join_codes DROP COLUMN expires_at")
        conn.exec_driver_sql(f"DELETE FROM schema_version WHERE version > {version}")
    return store


def _schema_diff(store: Store) -> list[Any]:
    with store.read() as conn:
        return list(compare_metadata(MigrationContext.configure(conn), db.metadata))


def _assert_schema_is_store_py(store: Store) -> None:
    diff = _schema_diff(store)
    assert not diff, (
        "the tables the revisions build differ from market_server/storage/store.py: add a "
        f"revision in market_server/storage/schema/versions that makes these changes: {diff}"
    )


def test_fresh_database_gets_every_revision_once(
    db_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    store = Store(db_url)
    try:
        assert REVISIONS[:3] == ["0001", "0002", "0003"]
        with caplog.at_level(logging.INFO, logger="market_server.storage.migrations"):
            assert migrations.upgrade(store) == REVISIONS
            assert migrations.upgrade(store) == []
        logged = [
            r.getMessage() for r in caplog.records if r.name == "market_server.storage.migrations"
        ]
        assert len(logged) == len(REVISIONS)  # one line a revision; nothing the second time
        assert logged[:2] == [
            "schema revision 0001 applied: The schema of market-server 0.1.0 (schema_version 1), "
            "table by table.",
            "schema revision 0002 applied: Join codes expire (schema_version 2).",
        ]
        other = Store(db_url)
        assert migrations.upgrade(other) == []
        other.dispose()
        with store.read() as conn:
            assert conn.execute(sa.text("SELECT version_num FROM alembic_version")).all() == [
                (REVISIONS[-1],)
            ]
            assert conn.execute(sa.select(db.locks.c.name)).scalars().all() == ["rounds"]
            assert not sa.inspect(conn).has_table("schema_version")
        assert migrations.state(store) == migrations.SchemaState(REVISIONS[-1], REVISIONS[-1])
        _assert_schema_is_store_py(store)
    finally:
        store.dispose()


def test_the_schema_comparison_notices_a_table_change(db_url: str) -> None:
    """What the comparison above would say to someone who changed store.py without a revision."""
    store = Store(db_url)
    try:
        migrations.upgrade(store)
        with store.read() as conn:
            changed = sa.MetaData()
            for table in db.metadata.sorted_tables:
                table.to_metadata(changed)
            changed.tables["orders"].append_column(sa.Column("note", sa.String(80)))
            sa.Table("payouts", changed, sa.Column("id", sa.String(40), primary_key=True))
            diff = compare_metadata(MigrationContext.configure(conn), changed)
        found = sorted(
            (d[0], d[1].name if d[0] == "add_table" else f"{d[2]}.{d[3].name}") for d in diff
        )
        assert found == [("add_column", "orders.note"), ("add_table", "payouts")]
    finally:
        store.dispose()


def test_database_from_before_alembic_keeps_its_rows(db_url: str) -> None:
    """schema_version 3, as the server left it before Alembic: `market-server init` stamps it
    at revision 0003, upgrades it, keeps the community, tokens, orders and ledger, and the
    market goes on (PostgreSQL's sequences continue after the old rows)."""
    store = _legacy_database(db_url)
    try:
        assert migrations.state(store).revision == "0003"
        assert main(["--db", db_url, "init", "--json"]) == 0
        with store.read() as conn:
            assert not sa.inspect(conn).has_table("schema_version")
            assert MigrationContext.configure(conn).get_current_revision() == REVISIONS[-1]
            settings = community.load(conn)
            assert settings.name == "Sonnenweg"
            check_operator(conn, OPERATOR_TOKEN)  # raises when the token is unknown
            miller = household_for_token(conn, MILLER_TOKEN)
            schmidt = household_for_token(conn, SCHMIDT_TOKEN)
            assert (miller.name, schmidt.name) == ("Miller", "Schmidt")
            assert len(conn.execute(sa.select(db.orders)).all()) == 4
            ledger = conn.execute(sa.select(db.ledger.c.amount_ticks)).scalars().all()
            assert sorted(ledger) == [-1000, 1000]
        _assert_schema_is_store_py(store)
        assert migrations.upgrade(store) == []

        with store.write() as conn:
            household_id, token = households.redeem(conn, T0, UNUSED_JOIN_CODE, None)
            assert household_id == UNUSED_CODE_HOUSEHOLD
            newcomer = household_for_token(conn, token)
            day = open_days(T0, settings)[0]
            for hh, side in ((newcomer, "sell"), (miller, "buy")):
                spec = parse_request(
                    {
                        "side": side,
                        "start_day": day.isoformat(),
                        "num_days": 1,
                        "kwh_per_day": 1.0,
                        "limit_price": 0.05,
                    },
                    settings,
                )
                orders.submit(conn, settings, hh, spec, T0)
        summary = rounds.run_round(store, lambda: T0, trigger="test")
        assert summary.fills == 2
        check_invariants(db_url)
    finally:
        store.dispose()


@pytest.mark.parametrize("version", [1, 2])
def test_databases_of_earlier_schema_versions_get_the_later_revisions(
    db_url: str, version: int
) -> None:
    """0.1.0 (version 1: no expiry on join codes, rounds not indexed by trigger) and version 2
    get revisions 0002/0003 and on; a join code from before expiry never expires."""
    store = _legacy_database(db_url, version)
    try:
        assert migrations.upgrade(store) == REVISIONS[version:]
        _assert_schema_is_store_py(store)
        with store.read() as conn:
            expiry = conn.execute(
                sa.select(db.join_codes.c.expires_at).where(
                    db.join_codes.c.household_id == UNUSED_CODE_HOUSEHOLD
                )
            ).scalar_one()
            assert (expiry is None) == (version == 1)
            assert "ix_rounds_trigger_seq" in {
                i["name"] for i in sa.inspect(conn).get_indexes("rounds")
            }
        if version == 1:
            with store.write() as conn:
                household_id, token = households.redeem(
                    conn, T0 + timedelta(days=400), UNUSED_JOIN_CODE, None
                )
            assert household_id == UNUSED_CODE_HOUSEHOLD and token
    finally:
        store.dispose()


def test_a_database_of_revision_0005_keeps_its_ledger_and_gets_the_feed_in_price(
    db_url: str,
) -> None:
    """Revision 0006 adds own-credit energy to the ledger: entries settled before it keep their
    money and shared energy and paid no own credit; the community, whose settings row has no
    feed-in price, settles at the default EUR 0.078/kWh and keeps its energy price."""
    store = _legacy_database(db_url)
    try:
        assert migrations.upgrade(store, "0005") == ["0004", "0005"]
        with store.write() as conn:
            settings = community.load(conn)
            stored = {**settings.to_json(), "energy_price": 0.15}
            del stored["feed_in_price"]  # as a server of revision 0005 wrote it
            conn.execute(
                sa.update(db.settings_table)
                .where(db.settings_table.c.key == "community")
                .values(value=json.dumps(stored))
            )
            conn.execute(sa.text("UPDATE ledger SET energy_wh = 2000, energy_ticks = 0"))
        assert migrations.upgrade(store) == ["0006"]
        _assert_schema_is_store_py(store)
        with store.read() as conn:
            settings = community.load(conn)
            assert (settings.energy_price, settings.feed_in_price) == (0.15, 0.078)
            assert settings.feed_in_price_ticks == 78
            rows = conn.execute(
                sa.select(
                    db.ledger.c.amount_ticks,
                    db.ledger.c.energy_wh,
                    db.ledger.c.own_credit_wh,
                    db.ledger.c.own_credit_ticks,
                ).order_by(db.ledger.c.amount_ticks)
            ).all()
            assert [tuple(r) for r in rows] == [(-1000, 2000, None, None), (1000, 2000, None, None)]
            miller = household_for_token(conn, MILLER_TOKEN)
            ledger = household_ledger(conn, miller.id, None)
        assert ledger["totals"]["own_credit_paid_eur"] == 0.0
        assert ledger["totals"]["own_credit_earned_eur"] == 0.0
        assert {e["own_credit_kwh"] for e in ledger["settlements"]} == {0.0}
    finally:
        store.dispose()


def test_a_failed_upgrade_leaves_the_database_as_it_was(db_url: str) -> None:
    """Stamping and every revision run in the one transaction: a schema_version 2 database
    whose revision 0003 cannot apply (its index already there) keeps its schema_version and
    gets no alembic_version."""
    store = _legacy_database(db_url, 2)
    try:
        with store.write() as conn:
            conn.exec_driver_sql("CREATE INDEX ix_rounds_trigger_seq ON rounds (seq)")
        with pytest.raises(sa.exc.DatabaseError):
            migrations.upgrade(store)
        with store.read() as conn:
            inspector = sa.inspect(conn)
            assert inspector.has_table("schema_version")
            assert not inspector.has_table("alembic_version")
        assert migrations.state(store).revision == "0002"
    finally:
        store.dispose()


def test_a_database_newer_than_the_server_is_refused(
    db_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    store = Store(db_url)
    try:
        migrations.upgrade(store)
        with store.write() as conn:
            conn.exec_driver_sql("UPDATE alembic_version SET version_num = '0999'")
        with pytest.raises(migrations.SchemaNewerThanServer, match="revision 0999"):
            migrations.upgrade(store)
        assert main(["--db", db_url, "serve"]) == 1
        err = capsys.readouterr().err
        assert err.startswith("market-server: error: the database schema is at revision 0999")
        assert f"its newest is {REVISIONS[-1]}" in err and "Traceback" not in err
    finally:
        store.dispose()


def test_a_schema_version_newer_than_the_server_is_refused(db_url: str) -> None:
    store = _legacy_database(db_url)
    try:
        with store.write() as conn:
            conn.exec_driver_sql(
                "INSERT INTO schema_version (version, description, applied_at) "
                "VALUES (99, 'from the future', '2030-01-01 00:00:00')"
            )
        with pytest.raises(migrations.SchemaNewerThanServer, match="version 99"):
            migrations.upgrade(store)
        with store.read() as conn:
            assert sa.inspect(conn).has_table("schema_version")  # untouched
    finally:
        store.dispose()


def test_db_current_and_upgrade_commands(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"sqlite:///{tmp_path / 'market.db'}"
    _legacy_database(url, 2).dispose()
    assert main(["--db", url, "db", "current", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == {
        "revision": "0002",
        "head": REVISIONS[-1],
        "up_to_date": False,
    }
    assert main(["--db", url, "db", "upgrade", "--json"]) == 0
    upgraded = json.loads(capsys.readouterr().out)
    assert upgraded == {
        "revision": REVISIONS[-1],
        "head": REVISIONS[-1],
        "up_to_date": True,
        "applied": REVISIONS[2:],
    }
    assert main(["--db", url, "db", "upgrade"]) == 0
    assert capsys.readouterr().out == (
        f"Nothing to apply.\nSchema revision {REVISIONS[-1]}, newest {REVISIONS[-1]}.\n"
    )


def _waiting_for_the_migration_lock(app: str) -> int:
    import psycopg

    key = migrations.PG_MIGRATION_LOCK
    with psycopg.connect(POSTGRES_URL, autocommit=True) as conn:
        row = conn.execute(
            "SELECT count(*) FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid "
            "WHERE l.locktype = 'advisory' AND NOT l.granted AND a.application_name = %s "
            "AND l.classid = %s AND l.objid = %s AND l.objsubid = 1",
            (app, key >> 32, key & 0xFFFFFFFF),
        ).fetchone()
    return int(row[0]) if row else 0


@pytest.mark.postgres
@pytest.mark.slow
def test_two_processes_upgrading_at_once_apply_each_revision_once(
    postgres_schema_url: str,
) -> None:
    """Both `market-server db upgrade` processes queue on the migration lock this test holds;
    released, one applies every revision and the other finds nothing left to do."""
    import psycopg

    app = f"mt-upgrade-{uuid.uuid4().hex[:8]}"
    env = {**os.environ, "PYTHONPATH": str(REPO), "PGAPPNAME": app}
    env.pop("MARKET_SERVER_DB", None)
    command = [*cli_command(), "--db", postgres_schema_url, "db", "upgrade", "--json"]
    with psycopg.connect(POSTGRES_URL) as holder:
        holder.execute("SELECT pg_advisory_xact_lock(%s)", (migrations.PG_MIGRATION_LOCK,))
        procs = [
            subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
            for _ in range(2)
        ]

        def both_queued() -> bool:
            exited = [p.args for p in procs if p.poll() is not None]
            assert not exited, "an upgrade finished while the lock was held"
            return _waiting_for_the_migration_lock(app) >= 2

        try:
            wait_until(both_queued, "the two upgrades queued on the lock", timeout_s=60)
        finally:
            holder.rollback()  # releases the lock: both go
        outputs = [p.communicate(timeout=120) for p in procs]
    for proc, (_, err) in zip(procs, outputs, strict=True):
        assert proc.returncode == 0, err.decode()
    applied = sorted(json.loads(out)["applied"] for out, _ in outputs)
    assert applied == [[], REVISIONS]
    store = Store(postgres_schema_url)
    try:
        with store.read() as conn:
            assert conn.execute(sa.text("SELECT version_num FROM alembic_version")).all() == [
                (REVISIONS[-1],)
            ]
            assert conn.execute(sa.select(db.locks.c.name)).scalars().all() == ["rounds"]
        _assert_schema_is_store_py(store)
    finally:
        store.dispose()
