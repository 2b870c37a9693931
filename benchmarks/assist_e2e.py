"""Assist end to end: sentence -> built-in agent -> our intent -> trading agent -> market server.

A real Home Assistant (test instance, recorder on SQLite with a fortnight of seeded history), the
integration set up as a household joined to a real market server on 127.0.0.1 (clearing with
ASSUME, SQLite), a neighbour with counter-orders, and a mix of what households say: status
questions, trades that place and fill orders, cancellations and a question back. Each turn is
timed from ``conversation.async_converse`` to its reply. As the baseline in the same run, Home
Assistant's own ``HassGetCurrentTime`` ("what time is it") through the same path.

    .venv/bin/python benchmarks/assist_e2e.py [--rounds 10]

Prints median and p90 per kind of turn, and a JSON line with the figures last.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from homeassistant import loader
from homeassistant.components import conversation
from homeassistant.core import Context, HomeAssistant
from homeassistant.helpers import recorder as recorder_helper
from homeassistant.setup import async_setup_component
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_test_home_assistant,
)

from custom_components.community_storage.const import (
    CONF_BATTERY_POWER_ENTITY,
    CONF_BATTERY_SOC_ENTITY,
    CONF_LOAD_ENTITY,
    CONF_PV_ENTITY,
    DOMAIN,
)
from tests.components.community_storage.conftest import DEMO_SENSORS, join_entry
from tests.components.community_storage.seed_history import async_seed_history
from tests.market_harness import running_market

COMPONENT_DIR = Path(__file__).resolve().parents[1] / "custom_components" / DOMAIN
TIME_ZONE = "Europe/Berlin"


def _nth(day: date) -> str:
    suffix = (
        "th" if 10 <= day.day % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(day.day % 10, "th")
    )
    return f"the {day.day}{suffix}"


def turns(first: date, number: int) -> tuple[tuple[str, str, str], ...]:
    """(kind, language, sentence) for round ``number``; days count from the first open day.

    A figure said for a day is that day's total, so each round asks for half a kWh more.
    """
    filled, unfilled, sold = (first + timedelta(days=n) for n in (1, 2, 3))
    kwh = f"{0.5 * (number + 1):g}"
    kwh_de = kwh.replace(".", ",")
    return (
        ("status", "en", "How's the storage market doing?"),
        ("status", "en", "Did my battery sell?"),
        ("status", "de", "Wie viel habe ich diesen Monat verdient?"),
        (
            "trade",
            "en",
            f"Reserve {kwh} kWh of storage for the flat on {_nth(filled)}, max 15 cents",
        ),
        (
            "trade",
            "en",
            f"Reserve {kwh} kWh of storage for the flat on {_nth(unfilled)}, max 2 cents",
        ),
        ("cancel", "en", f"Cancel the flat's reservation for {_nth(unfilled)}"),
        (
            "trade",
            "de",
            f"Wir sind am {sold.day}. weg, biete {kwh_de} kWh vom Akku im House für "
            "mindestens 5 Cent an",
        ),
        ("ask_back", "en", "We're going on holiday"),
        ("baseline", "en", "what time is it"),
    )


async def _household(
    hass: HomeAssistant, market: Any, name: str, battery_kwh: float | None
) -> MockConfigEntry:
    """Join ``name`` to the market and load its entry (no battery when ``battery_kwh`` is None)."""
    sensors = {key: entity_id for key, (entity_id, _, _) in DEMO_SENSORS.items()}
    if battery_kwh is None:
        sensors.pop(CONF_BATTERY_SOC_ENTITY)
        sensors.pop(CONF_BATTERY_POWER_ENTITY)
    entry = await join_entry(
        hass, market, name, battery_kwh or 0.0, sensors, battery_kwh=battery_kwh, title=name
    )
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    return entry


async def run(rounds: int) -> dict[str, Any]:
    """Time every turn ``rounds`` times; return the figures per kind."""
    timings: dict[str, list[float]] = {}
    failures: list[str] = []
    with tempfile.TemporaryDirectory() as config_dir:
        (Path(config_dir) / "custom_components").mkdir()
        (Path(config_dir) / "custom_components" / DOMAIN).symlink_to(COMPONENT_DIR)
        async with (
            running_market(Path(config_dir), timezone=TIME_ZONE) as market,
            async_test_home_assistant(config_dir=config_dir) as hass,
        ):
            hass.data.pop(loader.DATA_CUSTOM_COMPONENTS, None)
            await hass.config.async_set_time_zone(TIME_ZONE)
            db = f"sqlite:///{config_dir}/home-assistant_v2.db"
            recorder_helper.async_initialize_recorder(hass)
            recorder_config = {"db_url": db, "commit_interval": 0}
            assert await async_setup_component(hass, "recorder", {"recorder": recorder_config})
            assert await async_setup_component(hass, "homeassistant", {})
            assert await async_setup_component(hass, "conversation", {})
            for entity_id, state, attributes in DEMO_SENSORS.values():
                hass.states.async_set(entity_id, state, attributes)
            await async_seed_history(
                hass,
                load_entity=DEMO_SENSORS[CONF_LOAD_ENTITY][0],
                pv_entity=DEMO_SENSORS[CONF_PV_ENTITY][0],
                today=market.now().astimezone().date(),
            )
            entries = [
                await _household(hass, market, "Flat", None),
                await _household(hass, market, "House", 10.0),
            ]
            seller = (await market.join_household("Schmidt", max_sell_kwh=13.0))[1]
            buyer = (await market.join_household("Weber", max_sell_kwh=0.0))[1]
            first = market.first_open_day()
            await market.place(seller, "sell", first, 3, 13.0, 0.06)
            await market.place(buyer, "buy", first + timedelta(days=3), 1, 13.0, 0.10)
            for number in range(rounds):
                for kind, language, text in turns(first, number):
                    # A user of its own per turn: the question back stays a question.
                    context = Context(user_id=f"{kind}-{number}")
                    start = time.perf_counter()
                    result = await conversation.async_converse(
                        hass, text, None, context, language=language
                    )
                    timings.setdefault(kind, []).append((time.perf_counter() - start) * 1000)
                    if result.response.response_type.value == "error":
                        failures.append(f"{text}: {result.response.speech}")
            for entry in entries:
                await hass.config_entries.async_unload(entry.entry_id)
            await hass.async_stop(force=True)
    figures: dict[str, Any] = {
        kind: {
            "median_ms": round(statistics.median(values), 1),
            "p90_ms": round(statistics.quantiles(values, n=10)[-1], 1),
            "turns": len(values),
        }
        for kind, values in timings.items()
    }
    ours = [v for kind, values in timings.items() if kind != "baseline" for v in values]
    figures["all_ours"] = {"median_ms": round(statistics.median(ours), 1), "turns": len(ours)}
    figures["ratio_to_baseline"] = round(
        figures["all_ours"]["median_ms"] / figures["baseline"]["median_ms"], 1
    )
    figures["errors"] = failures
    return figures


def main() -> None:
    """Parse arguments, run, print."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--rounds", type=int, default=10)
    args = parser.parse_args()
    figures = asyncio.run(run(args.rounds))
    print(f"{'turn':<12}{'median ms':>11}{'p90 ms':>9}{'turns':>7}")
    for kind, row in figures.items():
        if isinstance(row, dict) and "p90_ms" in row:
            print(f"{kind:<12}{row['median_ms']:>11}{row['p90_ms']:>9}{row['turns']:>7}")
    print(f"all our turns: median {figures['all_ours']['median_ms']} ms")
    for error in figures["errors"][:5]:
        print(f"error reply: {error}")
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
