"""``python -m neighbourhood --url ... --operator-token ... --households N``."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import os
import sys
from pathlib import Path

from .simulation import MAX_SPEED, SimulationConfig, run


def _speed(text: str) -> int:
    """--speed: a whole factor from 1 to MAX_SPEED, like the server's."""
    try:
        value = int(text)
    except ValueError:
        value = 0
    if not 1 <= value <= MAX_SPEED:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a speed from 1 (real time) to {MAX_SPEED}; "
            "use the market server's `serve --speed`"
        )
    return value


def main(argv: list[str] | None = None) -> int:
    """Run the simulated neighbourhood until interrupted."""
    parser = argparse.ArgumentParser(
        prog="python -m neighbourhood",
        description="Simulated households trading storage capacity with the integration's agent.",
    )
    parser.add_argument("--url", default="http://127.0.0.1:8787", help="market server URL")
    parser.add_argument(
        "--operator-token",
        default=os.environ.get("MARKET_OPERATOR_TOKEN"),
        help="operator token (or MARKET_OPERATOR_TOKEN) to let the households join",
    )
    parser.add_argument("--households", type=int, default=20, help="number of households")
    parser.add_argument(
        "--roster",
        type=Path,
        default=Path(".develop/neighbourhood.json"),
        help="where the joined households and their tokens are kept between runs",
    )
    parser.add_argument(
        "--tick", type=float, default=20.0, help="seconds of market time between ticks"
    )
    parser.add_argument(
        "--speed",
        type=_speed,
        default=1,
        help="the market's time-lapse (its `serve --speed`, 1 to 10000; default 1): ticks come "
        "--tick seconds of market time apart, at least 0.5 s. The households always live on the "
        "market's clock",
    )
    parser.add_argument("--ticks", type=int, default=None, help="stop after this many ticks")
    parser.add_argument("--seed", type=int, default=7, help="seed of the households' lives")
    parser.add_argument(
        "--unreliable-share",
        type=float,
        default=0.1,
        help="share of the battery houses that ignore what they sold: their battery serves "
        "the house, and they deliver what that leaves in the evening (default 0.1)",
    )
    args = parser.parse_args(argv)
    if not args.operator_token:
        parser.error("an operator token is needed (--operator-token or MARKET_OPERATOR_TOKEN)")
    if not 1 <= args.households <= 500:
        parser.error("--households must be between 1 and 500")
    if not 0 <= args.unreliable_share <= 1:
        parser.error("--unreliable-share must be between 0 and 1")
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s neighbourhood %(message)s", stream=sys.stdout
    )
    config = SimulationConfig(
        url=args.url,
        operator_token=args.operator_token,
        households=args.households,
        roster_path=args.roster,
        tick_s=args.tick,
        seed=args.seed,
        ticks=args.ticks,
        unreliable_share=args.unreliable_share,
        speed=args.speed,
    )
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(run(config))
    return 0


if __name__ == "__main__":
    sys.exit(main())
