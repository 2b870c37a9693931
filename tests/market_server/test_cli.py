"""The operator CLI as a subprocess: init, tokens, households, orders, clear beside a running
`serve`, settle, export; tables for people, JSON for scripts."""

from __future__ import annotations

import csv
import json
import signal
from datetime import date, timedelta
from pathlib import Path

import pytest

from tests.market_server.invariants import check_invariants
from tests.market_server.serve_process import ServeProcess, http, run_cli, run_cli_json

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("socket_enabled")]


def test_help_has_examples(tmp_path: Path) -> None:
    out = run_cli("x.db", "--help", cwd=tmp_path).stdout
    assert "examples:" in out
    assert "households add" in out
    sub = run_cli("x.db", "households", "add", "--help", cwd=tmp_path).stdout
    assert "--max-sell-kwh" in sub
    assert "examples:" in sub and 'households add "Miller"' in sub


def test_commands_need_an_initialised_database(tmp_path: Path) -> None:
    proc = run_cli(str(tmp_path / "m.db"), "households", "list", cwd=tmp_path, check=False)
    assert proc.returncode == 2
    assert "market-server init" in proc.stderr
    assert not (tmp_path / "m.db").exists()  # run in the wrong directory: nothing left behind


def test_operator_mistakes_get_one_clear_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """In-process (fast): every mistake is one `market-server: error:` line, no traceback."""
    from market_server.cli import main

    db = str(tmp_path / "m.db")
    assert main(["--db", db, "init", "--json"]) == 0
    capsys.readouterr()

    def fails(*args: str) -> tuple[int, str]:
        try:
            code = main(["--db", db, *args])
        except SystemExit as exit_:  # argparse refuses the value itself
            code = int(exit_.code or 0)
        err = capsys.readouterr().err
        assert "Traceback" not in err
        return code, err

    code, err = fails("orders", "--day", "2026-99-01")
    assert code == 2 and "'2026-99-01' is not a date in the form YYYY-MM-DD" in err
    code, err = fails("settle", "--now", "2026-12-05T12:00")
    assert code == 2 and "time zone offset" in err
    code, err = fails("rounds", "--limit", "-1")
    assert code == 2 and "at least 1" in err
    code, err = fails("export", "--output", str(tmp_path / "no" / "ledger.csv"))
    assert code == 1 and "No such file or directory" in err
    code, err = fails("init", "--mechanism", "bogus")
    assert code == 2 and "pay_as_clear" in err
    code = main(["--db", "postgresql://nobody@127.0.0.1:1/x", "orders"])
    err = capsys.readouterr().err
    assert code == 1 and "cannot use the database postgresql" in err


def test_global_options_also_after_the_command(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from market_server.cli import main

    db = str(tmp_path / "m.db")
    assert main(["init", "--db", db, "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["settings"]["name"]
    assert main(["settle", "--db", db, "--now", "2026-12-05T12:00:00+01:00", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["through_day"] == "2026-12-04"
    # Given before the command and not after, the top-level value stands.
    assert main(["--db", db, "--now", "2026-12-07T12:00:00+01:00", "settle", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["through_day"] == "2026-12-06"


def test_tables_right_align_numbers() -> None:
    import io

    from market_server.cli.output import table

    out = io.StringIO()
    table(
        [{"name": "Miller", "kwh": 8.0, "price": None}, {"name": "Al", "kwh": 12.5, "price": 0.07}],
        [("name", "NAME"), ("kwh", "kWh"), ("price", "PRICE")],
        out,
    )
    lines = out.getvalue().splitlines()
    assert lines[0] == "NAME     kWh  PRICE"
    assert lines[2] == "Miller     8      -"
    assert lines[3] == "Al      12.5   0.07"


def test_default_database_is_under_market_data(tmp_path: Path) -> None:
    proc = run_cli("", "init", "--name", "Here", cwd=tmp_path)
    assert (tmp_path / "market-data" / "market.db").exists()
    assert "Operator token" in proc.stdout
    assert not (tmp_path / "assume.log").exists()


def test_init_households_and_tokens(tmp_path: Path) -> None:
    db = str(tmp_path / "m.db")
    first = run_cli_json(db, "init", "--name", "Sonnenweg", "--gate-closure", "17:00", cwd=tmp_path)
    assert first["operator_token"]
    assert first["settings"]["gate_closure"] == "17:00"
    again = run_cli_json(db, "init", "--horizon-days", "10", cwd=tmp_path)
    assert again["operator_token"] is None
    assert (again["settings"]["name"], again["settings"]["horizon_days"]) == ("Sonnenweg", 10)
    bad = run_cli(db, "init", "--timezone", "Nowhere/Else", cwd=tmp_path, check=False)
    assert bad.returncode == 2
    assert "time zone" in bad.stderr

    added = run_cli_json(db, "households", "add", "Miller", "--max-sell-kwh", "8.5", cwd=tmp_path)
    assert set(added) == {"household_id", "join_code", "expires_at"}
    listed = run_cli_json(db, "households", "list", cwd=tmp_path)["households"]
    assert [(h["name"], h["max_sell_kwh"], h["joined"]) for h in listed] == [("Miller", 8.5, False)]
    table = run_cli(db, "households", "list", cwd=tmp_path).stdout
    assert "Miller" in table and "MAX SELL" in table
    disabled = run_cli_json(db, "households", "disable", added["household_id"], cwd=tmp_path)
    assert disabled["disabled"] is True
    rejoin = run_cli_json(db, "households", "rejoin", added["household_id"], cwd=tmp_path)
    assert rejoin["household_id"] == added["household_id"]
    assert rejoin["join_code"] != added["join_code"]
    missing = run_cli(db, "households", "disable", "hh_nobody", cwd=tmp_path, check=False)
    assert missing.returncode == 2
    token = run_cli_json(db, "operator-token", cwd=tmp_path)["operator_token"]
    assert token and token != first["operator_token"]


def test_clear_settle_export_beside_a_running_server(tmp_path: Path, db_url: str) -> None:
    init = run_cli_json(db_url, "init", "--no-clear-on-submit", cwd=tmp_path)
    operator = init["operator_token"]
    tokens = []
    for name in ("Seller", "Buyer"):
        code = run_cli_json(db_url, "households", "add", name, "--max-sell-kwh", "13", cwd=tmp_path)
        tokens.append(code["join_code"])
    with ServeProcess(db_url, tmp_path, "--no-scheduler") as server:
        seller, buyer = (
            http("POST", server.url + "/api/v1/join", body={"code": c})[1]["token"] for c in tokens
        )
        status, _me = http("GET", server.url + "/api/v1/me", seller)
        assert status == 200
        # The server runs on the wall clock: trade from its second open delivery day, whose gate
        # is at least a day away (the first one's may close while the test runs).
        market = http("GET", server.url + "/api/v1/market", seller)[1]
        start = [d["day"] for d in market["days"] if d["open"]][1]
        body = {
            "side": "sell",
            "start_day": start,
            "num_days": 7,
            "kwh_per_day": 12.0,
            "limit_price": 0.09,
        }
        status, offer = http("POST", server.url + "/api/v1/requests", seller, body)
        assert status == 201, offer
        bid = {
            "side": "buy",
            "start_day": start,
            "num_days": 7,
            "kwh_per_day": 15.0,
            "limit_price": 0.1,
        }
        status, _ = http("POST", server.url + "/api/v1/requests", buyer, bid)
        assert status == 201
        assert offer["orders"][0]["status"] == "open"  # clear_on_submit is off

        # `clear` in another process, against the database the server uses.
        summary = run_cli_json(db_url, "clear", cwd=tmp_path)
        assert summary["status"] == "completed"
        assert summary["fills"] == 14
        assert summary["cleared_kwh"] == 84.0
        # A round through the server right after finds nothing left to do.
        status, again = http("POST", server.url + "/api/v1/operator/rounds", operator)
        assert (status, again["fills"]) == (200, 0)
        status, request = http("GET", f"{server.url}/api/v1/requests/{offer['request_id']}", seller)
        assert [o["status"] for o in request["orders"]] == ["filled"] * 7

        listed = run_cli_json(db_url, "orders", "--status", "filled", cwd=tmp_path)["orders"]
        assert len(listed) == 7
        assert {o["household_name"] for o in listed} == {"Seller"}
        table = run_cli(db_url, "orders", "--day", start, cwd=tmp_path).stdout
        assert "Seller" in table and "Buyer" in table
        rounds_ = run_cli_json(db_url, "rounds", cwd=tmp_path)["rounds"]
        assert [r["trigger"] for r in rounds_][:2] == ["operator", "cli"]

        later = f"{date.fromisoformat(start) + timedelta(days=9)}T12:00:00+00:00"
        settled = run_cli_json(db_url, "--now", later, "settle", cwd=tmp_path)
        assert (settled["entries"], settled["earned_eur"], settled["paid_eur"]) == (14, 7.56, 7.56)
        assert run_cli_json(db_url, "settle", "--now", later, cwd=tmp_path)["entries"] == 0
        status, ledger = http("GET", server.url + "/api/v1/settlements", seller)
        assert ledger["totals"]["earned_eur"] == 7.56

        out = tmp_path / "ledger.csv"
        run_cli(db_url, "export", "--format", "csv", "--output", str(out), cwd=tmp_path)
        rows = list(csv.DictReader(out.open()))
        assert len(rows) == 14
        assert sum(float(r["amount_eur"]) for r in rows if r["side"] == "sell") == pytest.approx(
            7.56
        )
        exported = json.loads(run_cli(db_url, "export", "--format", "json", cwd=tmp_path).stdout)
        assert exported["count"] == 14
        assert server.proc is not None
        assert server.kill(signal.SIGTERM) == 0  # clean shutdown
    check_invariants(db_url)
    assert not (tmp_path / "assume.log").exists()


def test_progress_bar_only_on_a_terminal() -> None:
    import io

    from market_server.cli.output import ProgressBar

    class Tty(io.StringIO):
        def isatty(self) -> bool:
            return True

    tty, pipe = Tty(), io.StringIO()
    for stream in (tty, pipe):
        bar = ProgressBar("settling", stream)
        bar(0, 4)
        bar(4, 4)
        bar.close()
    assert "settling [" in tty.getvalue() and "4/4" in tty.getvalue()
    assert pipe.getvalue() == ""


def test_join_codes_forgive_case_spaces_and_dashes() -> None:
    from market_server.storage.auth import normalise_join_code

    assert normalise_join_code(" abcd-efgh jkLM ") == normalise_join_code("ABCDEFGHJKLM")
