"""How fast rules.clock computes due dates, against peers, measured in one run.

    .venv/bin/python bench/clock_bench.py [--starts 2000] [--repeats 5]

Business days: ours (`BusinessCalendar.due`, AU-VIC) against `numpy.busday_offset` called
once per date with the same holiday dates (roll="forward"), and against workalendar's
Victoria `add_working_days` (its own holiday rules). Business hours: ours against
businesstimedelta (WorkDayRule 08:30-17:30 Monday to Friday in Australia/Melbourne plus a
HolidayRule of the same holiday dates) at 6 and at 72 business hours, and ours at +720
against +6 business hours. Every peer gets the same random starts and amounts; caches are
warmed first; each figure is the best of several timed passes (time.perf_counter).

The peers answer slightly different questions (numpy and workalendar count dates, not
closing instants with the day-0 rule), so only the speeds are compared, plus a check
that businesstimedelta and we agree on the due instants.
"""

from __future__ import annotations

import argparse
import random
import sys
import time as timer
from datetime import UTC, datetime, time, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import businesstimedelta  # noqa: E402
import holidays  # noqa: E402
import numpy as np  # noqa: E402
import pytz  # noqa: E402
from workalendar.oceania import Victoria  # noqa: E402

from rules.clock import BusinessCalendar, CalendarSpec, Unit  # noqa: E402

ZONE = "Australia/Melbourne"
GOAL_NUMPY = 1.0
GOAL_BUSINESSTIMEDELTA_72H = 30.0
GOAL_720_OVER_6 = 1.5


def victoria() -> BusinessCalendar:
    return BusinessCalendar(
        CalendarSpec(
            code="AU-VIC",
            name="Victoria",
            timezone=ZONE,
            windows={day: [(time(8, 30), time(17, 30))] for day in range(5)},
            holiday_country="AU",
            holiday_subdivision="VIC",
        )
    )


def best_seconds(run, repeats: int) -> float:
    """The fastest of `repeats` passes of `run()`."""
    best = float("inf")
    for _ in range(repeats):
        began = timer.perf_counter()
        run()
        best = min(best, timer.perf_counter() - began)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--starts", type=int, default=2000, help="random starts per figure")
    parser.add_argument("--repeats", type=int, default=5, help="timed passes; best is kept")
    parser.add_argument(
        "--slow-starts", type=int, default=200, help="starts for businesstimedelta (slow)"
    )
    args = parser.parse_args()

    rng = random.Random(20251003)
    first = datetime(2025, 1, 1, tzinfo=UTC)
    starts = [
        first + timedelta(minutes=rng.randrange(2 * 365 * 24 * 60)) for _ in range(args.starts)
    ]
    day_amounts = [rng.randint(1, 20) for _ in starts]
    holiday_dates = sorted(
        day
        for year in range(2024, 2029)
        for day in holidays.country_holidays("AU", subdiv="VIC", years=year)
    )

    ours = victoria()
    zone = ours.tz
    local_dates = [start.astimezone(zone).date() for start in starts]
    np_dates = [np.datetime64(day, "D") for day in local_dates]
    np_holidays = np.array(holiday_dates, dtype="datetime64[D]")
    np_calendar = np.busdaycalendar(weekmask="1111100", holidays=np_holidays)
    workalendar = Victoria()
    pytz_zone = pytz.timezone(ZONE)
    btd_rules = businesstimedelta.Rules(
        [
            businesstimedelta.WorkDayRule(
                start_time=time(8, 30),
                end_time=time(17, 30),
                working_days=[0, 1, 2, 3, 4],
                tz=pytz_zone,
            ),
            businesstimedelta.HolidayRule(frozenset(holiday_dates), tz=pytz_zone),
        ]
    )
    btd_deltas = {
        hours: businesstimedelta.BusinessTimeDelta(btd_rules, hours=hours) for hours in (6, 72)
    }
    slow_starts = starts[: args.slow_starts]
    pairs = list(zip(starts, day_amounts, strict=True))
    np_pairs = list(zip(np_dates, day_amounts, strict=True))
    wa_pairs = list(zip(local_dates, day_amounts, strict=True))
    business_days, business_hours = Unit.BUSINESS_DAYS, Unit.BUSINESS_HOURS
    due, busday_offset = ours.due, np.busday_offset

    def ours_days():
        for start, amount in pairs:
            due(start, amount, business_days)

    def numpy_days():
        for day, amount in np_pairs:
            busday_offset(day, amount, roll="forward", weekmask="1111100", holidays=np_holidays)

    def numpy_days_prebuilt():
        for day, amount in np_pairs:
            busday_offset(day, amount, roll="forward", busdaycal=np_calendar)

    def workalendar_days():
        for day, amount in wa_pairs:
            workalendar.add_working_days(day, amount)

    def ours_hours(hours, some=starts):
        def run():
            for start in some:
                due(start, hours, business_hours)

        return run

    def btd_hours(hours, some=slow_starts):
        delta = btd_deltas[hours]

        def run():
            for start in some:
                start + delta  # noqa: B018 - the addition is what is timed

        return run

    # The first call on a fresh calendar builds that year's tables (holidays cached).
    fresh = victoria()
    began = timer.perf_counter()
    fresh.due(starts[0], 5, Unit.BUSINESS_DAYS)
    cold_ms = (timer.perf_counter() - began) * 1000

    # Warm every cache (our year tables, holidays, workalendar's per-year lists).
    for run in (
        ours_days,
        numpy_days,
        numpy_days_prebuilt,
        workalendar_days,
        ours_hours(6),
        ours_hours(72),
        ours_hours(720),
        btd_hours(72, slow_starts[:5]),
    ):
        run()

    def per_second(run, calls):
        return calls / best_seconds(run, args.repeats)

    slow_repeats = max(1, args.repeats // 2)
    rates = {
        "ours business days": per_second(ours_days, len(starts)),
        "numpy.busday_offset (holidays list)": per_second(numpy_days, len(starts)),
        "numpy.busday_offset (prebuilt busdaycalendar)": per_second(
            numpy_days_prebuilt, len(starts)
        ),
        "workalendar Victoria.add_working_days": per_second(workalendar_days, len(starts)),
        "ours +6 business hours": per_second(ours_hours(6), len(starts)),
        "ours +72 business hours": per_second(ours_hours(72), len(starts)),
        "ours +720 business hours": per_second(ours_hours(720), len(starts)),
        "ours +6 business hours (slow-peer starts)": per_second(
            ours_hours(6, slow_starts), len(slow_starts)
        ),
        "ours +72 business hours (slow-peer starts)": per_second(
            ours_hours(72, slow_starts), len(slow_starts)
        ),
        "businesstimedelta +6 hours": len(slow_starts) / best_seconds(btd_hours(6), slow_repeats),
        "businesstimedelta +72 hours": len(slow_starts)
        / best_seconds(btd_hours(72), slow_repeats),
    }
    agree = sum(
        ours.due(start, hours, business_hours) == start + btd_deltas[hours]
        for start in slow_starts
        for hours in (6, 72)
    )

    print(
        f"Clock benchmark: {len(starts)} random starts in 2025-2026 ({ZONE}), "
        f"best of {args.repeats} passes; businesstimedelta on {len(slow_starts)} of them."
    )
    print()
    width = max(map(len, rates))
    for name, rate in rates.items():
        print(f"  {name:<{width}}  {rate:>12,.0f} /s  {1e6 / rate:>9.2f} us/call")
    print()

    numpy_ratio = rates["ours business days"] / rates["numpy.busday_offset (holidays list)"]
    prebuilt_ratio = (
        rates["ours business days"] / rates["numpy.busday_offset (prebuilt busdaycalendar)"]
    )
    workalendar_ratio = (
        rates["ours business days"] / rates["workalendar Victoria.add_working_days"]
    )
    btd_6 = (
        rates["ours +6 business hours (slow-peer starts)"] / rates["businesstimedelta +6 hours"]
    )
    btd_72 = (
        rates["ours +72 business hours (slow-peer starts)"] / rates["businesstimedelta +72 hours"]
    )
    cost_720_over_6 = rates["ours +6 business hours"] / rates["ours +720 business hours"]

    def verdict(ok):
        return "met" if ok else "MISSED"

    print("Ratios (ours faster by):")
    print(
        f"  business days vs numpy.busday_offset per date   {numpy_ratio:8.1f}x  "
        f"(goal >= {GOAL_NUMPY:.0f}x: {verdict(numpy_ratio >= GOAL_NUMPY)})"
    )
    print(f"  business days vs numpy with prebuilt calendar    {prebuilt_ratio:8.1f}x  (info)")
    print(f"  business days vs workalendar add_working_days    {workalendar_ratio:8.1f}x  (info)")
    print(f"  6 business hours vs businesstimedelta            {btd_6:8.1f}x  (info)")
    print(
        f"  72 business hours vs businesstimedelta           {btd_72:8.1f}x  "
        f"(goal >= {GOAL_BUSINESSTIMEDELTA_72H:.0f}x: "
        f"{verdict(btd_72 >= GOAL_BUSINESSTIMEDELTA_72H)})"
    )
    print(
        f"Cost of +720 business hours / +6 business hours    {cost_720_over_6:8.2f}   "
        f"(goal <= {GOAL_720_OVER_6}: {verdict(cost_720_over_6 <= GOAL_720_OVER_6)})"
    )
    print(f"Due instants equal to businesstimedelta's: {agree} of {2 * len(slow_starts)}")
    print(f"First due on a fresh calendar (builds a year's tables): {cold_ms:.1f} ms")


if __name__ == "__main__":
    main()
