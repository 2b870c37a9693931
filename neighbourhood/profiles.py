"""Realistic hourly load and PV profiles of a simulated house.

Load follows the BDEW H25 household standard load profile (demandlib) scaled to the house's
annual consumption, shifted and jittered per house so that no two neighbours are identical.
PV is pvlib's clear-sky irradiance on a south-facing 30° roof, times a daily cloudiness that
is the same for the whole neighbourhood (it is one street under one sky) and calibrated to the
German yield of about 880 kWh/kWp/year (0.6 kWh/kWp/day in December, 3.9 in June).

Everything here is deterministic: the same house and hour always give the same numbers, so a
second run of the development stack replays the same history.
"""

from __future__ import annotations

import math
import random
import warnings
import zlib
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from custom_components.community_storage.agent import tariff as tariffs
from custom_components.community_storage.agent.tariff import Tariff

from .battery import battery_step

TIMEZONE = ZoneInfo("Europe/Berlin")
LATITUDE = 51.31
LONGITUDE = 9.48
# Performance ratio of a typical rooftop system (inverter, temperature, soiling losses).
PERFORMANCE_RATIO = 0.85


@dataclass(frozen=True, slots=True)
class HouseProfile:
    """What makes one simulated house differ from its neighbours."""

    name: str
    annual_kwh: float
    pv_kwp: float
    battery_kwh: float
    battery_power_kw: float
    # Hours by which the household's daily routine runs late (+) or early (-).
    routine_shift_h: int
    seed: int
    # "battery" (PV and a home battery), "flat" (no battery, evening-heavy), "ev" (PV and an
    # electric car charged in the evenings, no battery).
    kind: str = "battery"
    # Factor on the 17:00-22:00 load (the rest of the day is lowered to keep the annual total).
    evening_boost: float = 1.0
    # Where in the four-week holiday cycle the household is (the street's battery houses
    # travel); None: it does not travel on a cycle (the demo households, whose trips the user
    # plays through Home Assistant).
    trip_offset_days: int | None = None
    # The household's electricity tariff: "fixed", "time_of_use" or "dynamic" (``tariff_of``).
    tariff_kind: str = "fixed"
    # An electric car's charge on a working day (kWh taken from the wallbox); 0 without a car.
    ev_kwh_per_workday: float = 0.0


@dataclass(frozen=True, slots=True)
class HourSample:
    """One simulated hour of a house: average powers in kW, state of charge at the end."""

    start: datetime
    load_kw: float
    pv_kw: float
    battery_kw: float  # + charging, - discharging
    soc_pct: float


def stable_seed(*parts: object) -> int:
    """A seed that is the same in every process (hash() is salted per process)."""
    return zlib.crc32("|".join(str(part) for part in parts).encode())


# The street's mix, repeated every 20 houses: 9 with PV and a battery, 7 flats without one
# (evening-heavy: the family is out by day), 4 with an electric car charged in the evenings.
KIND_CYCLE = (
    "battery", "flat", "battery", "ev", "flat", "battery", "flat", "battery", "ev", "flat",
    "battery", "flat", "battery", "ev", "flat", "battery", "flat", "battery", "ev", "battery",
)  # fmt: skip
# Share of a day's H25 load between 17:00 and 22:00, the base the evening boost works on.
H25_EVENING_SHARE = 0.3
EVENING_HOURS = range(17, 22)
# Battery houses go away for a week every four weeks, each at its own time.
TRIP_CYCLE_DAYS = 28
TRIP_DAYS = 7
# What an empty house draws (fridge, freezer, router, standby) as a share of its average load.
EMPTY_HOUSE_SHARE = 0.35
# A commuter's car on a working day: 35-50 km each way at about 0.18 kWh/km from the wallbox.
EV_KWH_PER_WORKDAY = (7.0, 10.0)
EV_CHARGER_KW = 3.7
# When the car is plugged in: back from work, or (on a time-of-use tariff) the cheap night.
EV_PLUG_IN_HOUR = 18
EV_PLUG_IN_HOUR_NIGHT_TARIFF = 22
# The street's tariffs, repeated every three houses: about a third each (issue 22).
TARIFF_CYCLE = ("fixed", "time_of_use", "dynamic")


# The two demo households of the development stack's Home Assistant, one for each thing to try:
# a house with PV and a 10 kWh battery that goes on holiday, and a flat without a battery (a
# balcony module, evening-heavy) that is renovated in the evenings.
DEMO_HOUSE = HouseProfile("House", 3600, 8.0, 10.0, 4.0, 0, 20261125)
DEMO_FLAT = HouseProfile("Flat", 2500, 0.8, 0.0, 0.0, 0, 20261201, kind="flat", evening_boost=1.25)
DEMO_HOUSEHOLDS = {"house": DEMO_HOUSE, "flat": DEMO_FLAT}


def household_profiles(count: int, seed: int = 7) -> list[HouseProfile]:
    """Return ``count`` differing houses within the reference figures of the design."""
    rng = random.Random(seed)
    surnames = [
        "Becker", "Schulz", "Hoffmann", "Koch", "Richter", "Klein", "Wolf", "Neumann",
        "Schwarz", "Zimmermann", "Braun", "Krüger", "Hofmann", "Hartmann", "Lange", "Werner",
        "Krause", "Lehmann", "Schmitt", "Meier", "Vogel", "Jung", "Keller", "Frank",
    ]  # fmt: skip
    profiles = []
    batteries = 0
    for index in range(count):
        surname = surnames[index % len(surnames)]
        if index >= len(surnames):
            surname = f"{surname} {index // len(surnames) + 1}"
        kind = KIND_CYCLE[index % len(KIND_CYCLE)]
        # Draw every figure for every house, so a house's numbers do not depend on its kind.
        annual = round(rng.uniform(2600, 4400), -1)
        kwp = round(rng.uniform(4.0, 11.0), 1)
        battery = round(rng.uniform(5.0, 13.0), 1)
        power = round(rng.uniform(2.5, 5.0), 1)
        shift = rng.choice([-1, 0, 0, 0, 1])
        house_seed = rng.randrange(1 << 30)
        # From the house's own seed, so that the street's other figures stay as they were.
        ev_kwh = round(random.Random(stable_seed(house_seed, "ev")).uniform(*EV_KWH_PER_WORKDAY), 1)
        if kind == "flat":
            # A flat: less consumption, a balcony module at most, no battery, and the family
            # home in the evenings.
            annual, kwp, battery, boost = round(annual * 0.8, -1), 0.8, 0.0, 1.25
        elif kind == "ev":
            battery, boost = 0.0, 1.0
        else:
            boost = 1.0
        profiles.append(
            HouseProfile(
                name=surname,
                # 7-12 kWh/day in winter means about 2,600-4,400 kWh/year.
                annual_kwh=annual,
                pv_kwp=kwp,
                battery_kwh=battery,
                battery_power_kw=power if battery else 0.0,
                routine_shift_h=shift,
                seed=house_seed,
                kind=kind,
                evening_boost=boost,
                # Battery houses spread their trips over the cycle: about two are away any day.
                trip_offset_days=(batteries * 3) % TRIP_CYCLE_DAYS if kind == "battery" else None,
                tariff_kind=TARIFF_CYCLE[index % len(TARIFF_CYCLE)],
                ev_kwh_per_workday=ev_kwh if kind == "ev" else 0.0,
            )
        )
        batteries += kind == "battery"
    return profiles


@lru_cache(maxsize=4)
def _h25_year_kw_per_mwh(year: int) -> tuple[float, ...]:
    """Hourly H25 load of ``year`` (local hours) in kW per MWh of annual consumption."""
    import pandas as pd
    from demandlib.bdew import H25

    index = pd.date_range(f"{year}-01-01", f"{year + 1}-01-01", freq="1h", inclusive="left")
    # demandlib still uses pandas APIs that pandas 3 deprecates; the numbers are unaffected.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        warnings.simplefilter("ignore", FutureWarning)
        profile = H25(index)
    # H25 is scaled to 1 GWh/year: divide by 1000 for kW per MWh/year.
    return tuple(float(value) / 1000.0 for value in profile.to_numpy())


@lru_cache(maxsize=4)
def _clear_sky_year_kw_per_kwp(year: int) -> tuple[float, ...]:
    """Hourly clear-sky PV output of ``year`` (UTC hours) in kW per kWp."""
    import pandas as pd
    import pvlib

    location = pvlib.location.Location(LATITUDE, LONGITUDE, tz="UTC", altitude=200)
    # Mid-hour timestamps give the hour's average better than its start.
    index = pd.date_range(
        f"{year}-01-01", f"{year + 1}-01-01", freq="1h", inclusive="left", tz="UTC"
    ) + pd.Timedelta("30min")
    # pvlib still uses pandas APIs that pandas 3 deprecates; the numbers are unaffected.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        warnings.simplefilter("ignore", FutureWarning)
        clear_sky = location.get_clearsky(index)
        sun = location.get_solarposition(index)
    poa = pvlib.irradiance.get_total_irradiance(
        30, 180, sun["apparent_zenith"], sun["azimuth"],
        clear_sky["dni"], clear_sky["ghi"], clear_sky["dhi"],
    )  # fmt: skip
    kw = (poa["poa_global"].fillna(0.0) / 1000.0 * PERFORMANCE_RATIO).clip(lower=0.0)
    return tuple(float(value) for value in kw.to_numpy())


def _hour_of_year(moment: datetime) -> int:
    start = datetime(moment.year, 1, 1, tzinfo=moment.tzinfo)
    return int((moment - start).total_seconds() // 3600)


def daily_clearness(day: datetime) -> float:
    """Share of clear-sky PV reaching the roofs on ``day`` (same for every house)."""
    day_of_year = day.timetuple().tm_yday
    # 0.30 of clear sky in December, 0.60 in June: gives 0.6 and 3.9 kWh/kWp/day.
    seasonal = 0.45 + 0.15 * math.cos(2 * math.pi * (day_of_year - 172) / 365.0)
    weather = random.Random(stable_seed("sky", day.date().isoformat())).uniform(0.35, 1.65)
    return min(1.0, max(0.05, seasonal * weather))


def tariff_of(house: HouseProfile, day: date) -> Tariff:
    """The household's tariff on ``day`` (a dynamic tariff follows the month's day-ahead shape)."""
    if house.tariff_kind == "time_of_use":
        return tariffs.evening_peak_time_of_use()
    if house.tariff_kind == "dynamic":
        return tariffs.dynamic_day_ahead(day.month)
    return tariffs.fixed()


def load_kw(house: HouseProfile, hour_start: datetime) -> float:
    """Average house load in kW during the hour starting at ``hour_start``: the family's use
    (the empty house's base load on a trip day) plus the electric car's charge."""
    local_day = hour_start.astimezone(TIMEZONE).date()
    if on_trip(house, local_day):
        return empty_house_kw(house, hour_start)
    return family_kw(house, hour_start) + ev_charge_kw(house, hour_start)


def empty_house_kw(house: HouseProfile, hour_start: datetime) -> float:
    """What the house draws with nobody at home: fridge, freezer and standby, a little jitter."""
    local = hour_start.astimezone(TIMEZONE)
    jitter = random.Random(stable_seed(house.seed, "empty", local.isoformat())).uniform(0.9, 1.1)
    return house.annual_kwh / 8760.0 * EMPTY_HOUSE_SHARE * jitter


def ev_charge_kw(house: HouseProfile, hour_start: datetime) -> float:
    """The car's charge in this hour: on working days, from when it is plugged in until the
    day's kWh are in (a time-of-use household waits for its cheap night)."""
    if house.ev_kwh_per_workday <= 0:
        return 0.0
    local = hour_start.astimezone(TIMEZONE)
    plug_in = (
        EV_PLUG_IN_HOUR_NIGHT_TARIFF if house.tariff_kind == "time_of_use" else EV_PLUG_IN_HOUR
    )
    # The charge belongs to the working day the car was driven on: hours after midnight
    # finish the previous evening's charge.
    driven = local.date() if local.hour >= plug_in else local.date() - timedelta(days=1)
    if driven.weekday() >= 5:
        return 0.0
    started = (local.hour - plug_in) % 24
    done = started * EV_CHARGER_KW
    return max(0.0, min(EV_CHARGER_KW, house.ev_kwh_per_workday - done))


def family_kw(house: HouseProfile, hour_start: datetime) -> float:
    """The family's own load (H25, shifted and jittered), without the car."""
    local = hour_start.astimezone(TIMEZONE) - timedelta(hours=house.routine_shift_h)
    local_naive = local.replace(tzinfo=None)
    shape = _h25_year_kw_per_mwh(local_naive.year)
    base = shape[min(_hour_of_year(local_naive), len(shape) - 1)] * house.annual_kwh / 1000.0
    if house.evening_boost != 1.0:
        if local_naive.hour in EVENING_HOURS:
            base *= house.evening_boost
        else:
            base *= (1.0 - H25_EVENING_SHARE * house.evening_boost) / (1.0 - H25_EVENING_SHARE)
    # Day-to-day and hour-to-hour variation of a real family, deterministic per house.
    day_factor = random.Random(stable_seed(house.seed, local.date().isoformat())).uniform(
        0.85, 1.15
    )
    hour_factor = random.Random(stable_seed(house.seed, local.isoformat())).uniform(0.8, 1.2)
    return base * day_factor * hour_factor


def pv_kw(house: HouseProfile, hour_start: datetime) -> float:
    """Average PV output in kW during the hour starting at ``hour_start``."""
    if house.pv_kwp <= 0:
        return 0.0
    utc = hour_start.astimezone(UTC).replace(tzinfo=None)
    clear = _clear_sky_year_kw_per_kwp(utc.year)
    clear_kw = clear[min(_hour_of_year(utc), len(clear) - 1)] * house.pv_kwp
    return clear_kw * daily_clearness(hour_start.astimezone(TIMEZONE))


def on_trip(house: HouseProfile, day: date) -> bool:
    """Whether a battery house is away on ``day`` (a week in every four)."""
    if house.kind != "battery" or house.trip_offset_days is None:
        return False
    return (day.toordinal() + house.trip_offset_days) % TRIP_CYCLE_DAYS < TRIP_DAYS


def simulate(
    house: HouseProfile, start: datetime, hours: int, soc_pct: float = 50.0
) -> list[HourSample]:
    """Simulate ``hours`` hours from ``start``: the battery stores surplus PV and covers deficit."""
    start = start.replace(minute=0, second=0, microsecond=0)
    samples = []
    energy = house.battery_kwh * soc_pct / 100.0
    for step in range(hours):
        hour_start = start + timedelta(hours=step)
        load = load_kw(house, hour_start)
        pv = pv_kw(house, hour_start)
        battery, energy = (
            battery_step(house.battery_kwh, house.battery_power_kw, energy, pv - load, 1.0)
            if house.battery_kwh > 0
            else (0.0, 0.0)
        )
        samples.append(
            HourSample(
                start=hour_start,
                load_kw=round(load, 4),
                pv_kw=round(pv, 4),
                battery_kw=round(battery, 4),
                soc_pct=round(100.0 * energy / house.battery_kwh, 2) if house.battery_kwh else 0.0,
            )
        )
    return samples
