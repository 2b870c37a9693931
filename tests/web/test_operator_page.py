"""The operator page at ``/`` in a real headless Chromium against a real, seeded market server."""

from __future__ import annotations

import warnings
from collections.abc import AsyncIterator
from datetime import date
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from devconfig.browser import Page, find_chromium, headless_chromium
from tests.market_harness import MutableClock, RunningMarket, running_market
from tests.market_server.conftest import T0
from tests.market_server.test_settlement_delivery import _book

pytestmark = pytest.mark.timeout(180)


def _chromium() -> str:
    binary = find_chromium()
    if binary is None:
        message = (
            "SKIPPING THE OPERATOR PAGE BROWSER TEST: chromium is not installed and "
            "script/install-browser could not install it"
        )
        warnings.warn(message, stacklevel=2)
        pytest.skip(message)
    return binary


async def _seed(market: RunningMarket) -> dict[str, Any]:
    """Three sellers and two buyers over three days, at different prices: prices and fills."""
    days = market.open_days()[:3]
    sellers = [(await market.join_household(f"Seller {i}"))[1] for i in range(3)]
    buyers = [(await market.join_household(f"Buyer {i}"))[1] for i in range(2)]
    await market.place(sellers[0], "sell", days[0], 3, 4.0, 0.05)
    await market.place(sellers[1], "sell", days[0], 2, 3.0, 0.07)
    await market.place(sellers[2], "sell", days[1], 2, 5.0, 0.09)
    await market.place(buyers[0], "buy", days[0], 2, 6.0, 0.12)
    await market.place(buyers[1], "buy", days[1], 2, 4.0, 0.10)
    await market.clear()
    overview: dict[str, Any] = await market.get("/api/v1/operator/overview", market.operator_token)
    return overview


@pytest.fixture
async def seeded(tmp_path: Path, socket_enabled: None) -> AsyncIterator[tuple[RunningMarket, Any]]:
    async with running_market(tmp_path) as market:
        overview = await _seed(market)
        yield market, overview


async def _open(page: Page, url: str) -> None:
    await page.goto(url)
    await page.wait_for(
        "document.body.dataset.loaded === 'true' || !document.getElementById('error').hidden"
    )


async def test_operator_page_shows_the_market(
    seeded: tuple[RunningMarket, dict[str, Any]],
) -> None:
    """With the token in the fragment the page draws every day's price and volume from the API."""
    binary = _chromium()
    market, overview = seeded
    priced = {d["day"]: d for d in overview["days"] if d["last_price"] is not None}
    assert len(priced) >= 2, overview  # the seed really produced clearing prices
    async with aiohttp.ClientSession() as session, headless_chromium(session, binary) as page:
        await _open(page, f"{market.url}/#token={market.operator_token}")
        assert await page.evaluate("document.getElementById('error').hidden") is True
        # Once the market shows, the token form is gone (rendered, not just flagged hidden).
        assert (
            await page.evaluate("getComputedStyle(document.getElementById('login')).display")
            == "none"
        )
        bars = await page.evaluate(
            "[...document.querySelectorAll('#chart rect.bar')]"
            ".map(b => [b.dataset.day, Number(b.dataset.kwh), Number(b.getAttribute('height'))])"
        )
        points = await page.evaluate(
            "Object.fromEntries([...document.querySelectorAll('#chart circle.point')]"
            ".map(p => [p.dataset.day, Number(p.dataset.price)]))"
        )
        rows = await page.evaluate("document.querySelectorAll('#households tbody tr').length")
        names = await page.evaluate(
            "[...document.querySelectorAll('#households tbody tr td:first-child')]"
            ".map(td => td.textContent)"
        )
        depth = await page.evaluate(
            "Object.fromEntries([...document.querySelectorAll('#days tbody tr')]"
            ".map(r => [r.dataset.day, r.querySelector('.depth span').textContent]))"
        )
        rounds = await page.evaluate("document.querySelectorAll('#rounds tbody tr').length")
        disabled_hint = await page.evaluate("document.getElementById('disabled-hint').textContent")
        assert page.errors == [], page.errors

    assert [b[0] for b in bars] == sorted(d["day"] for d in overview["days"])
    for day, kwh, height in bars:
        expected = next(d for d in overview["days"] if d["day"] == day)["cleared_kwh"]
        assert kwh == pytest.approx(expected)
        assert (height > 0) == (expected > 0)
    assert points == {day: pytest.approx(d["last_price"]) for day, d in priced.items()}
    assert rows == 5
    assert sorted(names) == ["Buyer 0", "Buyer 1", "Seller 0", "Seller 1", "Seller 2"]
    first = min(priced)
    assert depth[first] == (
        f"{priced[first]['open_buy_kwh']:.1f} / {priced[first]['open_sell_kwh']:.1f}"
    )
    assert rounds == len(overview["rounds"]) >= 1
    # What disabling does to a household's orders (issue 19, item 6), in the page's language.
    assert "cancels its open orders" in disabled_hint or "storniert seine offenen" in disabled_hint
    assert date.fromisoformat(first) >= date.fromisoformat(overview["generated_at"][:10])


async def test_operator_page_asks_for_the_token(
    seeded: tuple[RunningMarket, dict[str, Any]],
) -> None:
    """Without a token the page asks for one; a wrong one is refused with a sentence."""
    binary = _chromium()
    market, _overview = seeded
    async with aiohttp.ClientSession() as session, headless_chromium(session, binary) as page:
        await page.goto(f"{market.url}/")
        assert await page.evaluate("document.getElementById('login').hidden") is False
        assert await page.evaluate("document.getElementById('dashboard').hidden") is True
        await page.evaluate(
            "document.getElementById('token').value = 'not-the-token';"
            "document.getElementById('login').requestSubmit(); true"
        )
        message = await page.wait_for(
            "!document.getElementById('error').hidden"
            " && document.getElementById('error').textContent"
        )
        assert "not accepted" in message
        assert await page.evaluate("document.getElementById('dashboard').hidden") is True
        # The right token, typed in, shows the market.
        await page.evaluate(
            f"document.getElementById('token').value = '{market.operator_token}';"
            "document.getElementById('login').requestSubmit(); true"
        )
        await page.wait_for("document.body.dataset.loaded === 'true'")
        assert await page.evaluate("document.querySelectorAll('#chart rect.bar').length") > 0


async def test_operator_page_shows_energy_sharing(tmp_path: Path, socket_enabled: None) -> None:
    """The community's energy price, feed-in price and grid charging, and a settled day's shared
    and own-credit energy beside its capacity, as the overview has them."""
    binary = _chromium()
    clock = MutableClock(T0)
    async with running_market(tmp_path, clock=clock, clear_on_submit=False) as market:
        book = await _book(market, clock)
        day = book.day.isoformat()
        for token, side, kwh, shared in (
            (book.sellers["A"], "sell", 10.0, None),
            (book.sellers["B"], "sell", 6.0, None),
            (book.buyers["X"], "buy", 9.0, 6.0),
            (book.buyers["Y"], "buy", 8.0, 7.0),
        ):
            body = {"day": day, "side": side, "kwh": kwh}
            if shared is not None:
                body["shared_kwh"] = shared
            status, answer = await market.request(
                "POST", "/api/v1/deliveries", token=token, json=body
            )
            assert status == 201, answer
        assert (await market.settle())["entries"] == 4
        status, _ = await market.request(
            "POST",
            "/api/v1/operator/settings",
            token=market.operator_token,
            json={"energy_price": 0.15, "feed_in_price": 0.08},
        )
        assert status == 200
        overview = await market.get("/api/v1/operator/overview", market.operator_token)
        settled = next(d for d in overview["days"] if d["day"] == day)["delivery"]
        assert settled["energy_kwh"] == 12.0
        assert settled["own_credit_kwh"] == 4.0  # X used 3 kWh of own credit, Y 1
        async with aiohttp.ClientSession() as session, headless_chromium(session, binary) as page:
            await _open(page, f"{market.url}/#token={market.operator_token}")
            community = await page.evaluate("document.getElementById('community').textContent")
            price_card = await page.evaluate(
                "document.querySelector('[data-card=energy-price] .value').textContent"
            )
            feed_in_card = await page.evaluate(
                "document.querySelector('[data-card=feed-in-price] .value').textContent"
            )
            filled_card = await page.evaluate(
                "document.querySelector('[data-card=filled] .value').textContent"
            )
            energy = await page.evaluate(
                f'(() => {{ const c = document.querySelector(\'#days tr[data-day="{day}"] '
                ".energy'); return [c.dataset.kwh, c.dataset.eur, c.textContent]; })()"
            )
            own = await page.evaluate(
                f'(() => {{ const c = document.querySelector(\'#days tr[data-day="{day}"] '
                ".own-credit'); return [c.dataset.kwh, c.dataset.eur, c.textContent]; })()"
            )
            assert page.errors == [], page.errors
    language = "de" if "Gate-Schluss" in community else "en"
    if language == "en":
        assert (
            "shared energy EUR 0.150/kWh · own credit EUR 0.080/kWh · grid charging off"
            in community
        )
    else:
        assert (
            "geteilte Energie EUR 0,150/kWh · eigenes Guthaben EUR 0,080/kWh · "
            "Laden aus dem Netz aus" in community
        )
    assert price_card in ("0.150", "0,150")
    assert feed_in_card in ("0.080", "0,080")
    assert filled_card == "80 %"  # 16 of 20 kWh sold were delivered
    assert [float(energy[0]), float(energy[1])] == [12.0, settled["energy_eur"]]
    assert energy[2].replace(",", ".").startswith("12.0 / ")
    # Settled at the feed-in price of the day it settled (the default 0.078): 4 kWh, EUR 0.31.
    assert [float(own[0]), float(own[1])] == [4.0, settled["own_credit_eur"]] == [4.0, 0.31]
    assert own[2].replace(",", ".") == "4.0 / 0.31"
