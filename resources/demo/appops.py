"""Demo AppOps referential (RAW_APPLICATIONS) and daily team indicators (RAW_TEAM_INDICATORS).

On-call pages really depend on the changes deployed the day before (plus noise), so an analysis
can find that correlation. Each day stays independent: the previous day's changes are recomputed
from that day's own seed.
"""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import polars as pl

from resources.demo.calendar_fr import is_holiday
from resources.demo.common import APPLICATIONS, TEAMS, rng_for
from resources.schemas import RAW_APPLICATIONS, RAW_TEAM_INDICATORS

CHANGE_WEEK = (0.9, 1.2, 1.2, 1.1, 0.3, 0.15, 0.05)  # no deployments on Friday, weekend windows
PAGES_PER_CHANGE = 0.6  # on-call pages caused, the next day, by each change deployed


def _apps(team: str) -> list:
    return [a for a in APPLICATIONS if a.team == team]


def team_size(team: str) -> int:
    """Stable headcount: grows with the number of applications the team runs."""
    return 3 + 4 * len(_apps(team)) + int(rng_for("appops", "size", team).integers(0, 4))


def _in_year_end_freeze(day: date) -> bool:
    return (day.month == 12 and day.day >= 18) or (day.month == 1 and day.day <= 3)


def changes_deployed(team: str, day: date) -> int:
    """Changes of ``team`` on ``day``, from that day's own seed (weekday-heavy, year-end freeze)."""
    lam = 0.5 + 1.2 * len(_apps(team))
    lam *= 0.05 if is_holiday(day) else CHANGE_WEEK[day.weekday()]
    if _in_year_end_freeze(day):
        lam *= 0.1
    elif day.month == 8:
        lam *= 0.5
    return int(rng_for("appops", day.isoformat(), team, "changes").poisson(lam))


def _staff_on_duty(team: str, day: date, rng: np.random.Generator) -> int:
    size = team_size(team)
    if day.weekday() >= 5 or is_holiday(day):
        return int(1 + rng.binomial(1, 0.3))  # on-call only
    p = 0.85
    if day.month == 8:
        p = 0.55
    elif day.month == 7 or (day.month == 12 and day.day >= 22) or (day.month == 1 and day.day <= 2):
        p = 0.7
    if day.weekday() == 4:
        p -= 0.07  # Friday days off
    return int(rng.binomial(size, p))


def generate_applications(day: date) -> pl.DataFrame:
    """The application referential (the same for every day)."""
    frame = pl.DataFrame(
        {
            "application": [a.code for a in APPLICATIONS],
            "application_name": [a.name for a in APPLICATIONS],
            "team": [a.team for a in APPLICATIONS],
            "criticality": [a.criticality for a in APPLICATIONS],
            "business_line": [a.business_line for a in APPLICATIONS],
        }
    ).with_columns(partition_date=pl.lit(day, dtype=pl.Date()))
    return frame.select(RAW_APPLICATIONS.with_partition.keys()).cast(RAW_APPLICATIONS.with_partition)


def generate_team_indicators(day: date) -> pl.DataFrame:
    """One row per team for ``day``: staff on duty, changes deployed, on-call pages."""
    rows = {"team": [], "staff_on_duty": [], "changes_deployed": [], "oncall_pages": []}
    for team in TEAMS:
        rng = rng_for("appops", day.isoformat(), team, "indicators")
        changes = changes_deployed(team, day)
        critical = sum(a.criticality == "critical" for a in _apps(team))
        lam = 0.6 + 0.5 * critical + PAGES_PER_CHANGE * changes_deployed(team, day - timedelta(days=1))
        lam += 0.15 * changes
        pages = int(rng.poisson(lam * rng.gamma(4.0, 0.25)))  # over-dispersed
        for key, value in zip(rows, (team, _staff_on_duty(team, day, rng), changes, pages)):
            rows[key].append(value)
    frame = pl.DataFrame(rows).with_columns(
        day=pl.lit(day, dtype=pl.Date()), partition_date=pl.lit(day, dtype=pl.Date())
    )
    return frame.select(RAW_TEAM_INDICATORS.with_partition.keys()).cast(RAW_TEAM_INDICATORS.with_partition)
