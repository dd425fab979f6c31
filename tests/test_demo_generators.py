"""Embedded demo generators: schema, determinism, Paris day, and the realism later work relies on."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from resources.calendar import day_bounds_utc
from resources.demo import appops, metrics, tickets, verbatims
from resources.schemas import RAW_APPLICATIONS, RAW_INCIDENTS, RAW_METRICS, RAW_TEAM_INDICATORS, RAW_VERBATIMS

ROOT = Path(__file__).resolve().parents[1]
GENERATORS = {
    "metrics": (metrics.generate, RAW_METRICS),
    "tickets": (tickets.generate, RAW_INCIDENTS),
    "verbatims": (verbatims.generate, RAW_VERBATIMS),
    "applications": (appops.generate_applications, RAW_APPLICATIONS),
    "team_indicators": (appops.generate_team_indicators, RAW_TEAM_INDICATORS),
}
TIME_COLUMNS = {
    "metrics": ["timestamp"],
    "tickets": ["sys_updated_on", "resolved_at"],  # opened on the day or before (see below)
    "verbatims": ["answered_at"],
}
DAY = date(2024, 6, 12)


def days(start: date, n: int) -> list[date]:
    return [start + timedelta(days=i) for i in range(n)]


@pytest.mark.parametrize("name", GENERATORS)
@pytest.mark.parametrize("day", [DAY, date(2019, 3, 31), date(2024, 10, 27)])  # incl. DST days
def test_schema_and_partition(name: str, day: date) -> None:
    generate, schema = GENERATORS[name]
    frame = generate(day)
    assert list(frame.schema.items()) == list(schema.with_partition.items())
    assert frame.height > 0
    assert frame["partition_date"].unique().to_list() == [day]
    for column in schema.required:
        assert frame[column].null_count() == 0, column


@pytest.mark.parametrize("name", GENERATORS)
def test_deterministic_and_days_differ(name: str) -> None:
    generate, _ = GENERATORS[name]
    first, again = generate(DAY), generate(DAY)
    assert first.equals(again)
    other = generate(DAY + timedelta(days=1))
    if name == "applications":  # a referential: only the partition moves
        assert other.drop("partition_date").equals(first.drop("partition_date"))
    else:
        assert not other.drop("partition_date").equals(first.drop("partition_date"))


def test_same_frames_in_another_process(tmp_path: Path) -> None:
    code = (
        "import sys; from datetime import date; from resources.demo import appops, metrics, tickets, verbatims\n"
        "d = date(2024, 6, 12)\n"
        "for n, g in [('m', metrics.generate), ('t', tickets.generate), ('v', verbatims.generate),"
        " ('i', appops.generate_team_indicators)]: g(d).write_ipc(f'{sys.argv[1]}/{n}.arrow')"
    )
    env = {**os.environ, "PYTHONHASHSEED": "12345"}
    subprocess.run([sys.executable, "-c", code, str(tmp_path)], cwd=ROOT, env=env, check=True)
    for key, generate in [
        ("m", metrics.generate),
        ("t", tickets.generate),
        ("v", verbatims.generate),
        ("i", appops.generate_team_indicators),
    ]:
        assert pl.read_ipc(tmp_path / f"{key}.arrow").equals(generate(DAY)), key


@pytest.mark.parametrize("name", TIME_COLUMNS)
@pytest.mark.parametrize("day", [DAY, date(2024, 3, 31), date(2024, 10, 27)])
def test_timestamps_inside_paris_day(name: str, day: date) -> None:
    frame = GENERATORS[name][0](day)
    start, end = day_bounds_utc(day)
    for column in TIME_COLUMNS[name]:
        values = frame[column].drop_nulls()
        assert values.min() >= start and values.max() < end, column


# ---------------------------------------------------------------- metrics


def test_metrics_series_and_ranges() -> None:
    frame = metrics.generate(DAY)
    series = frame.select("metric", "resource").unique()
    assert series.height >= 40
    assert set(series.iter_rows()) == {(s.metric, s.resource) for s in metrics.SERIES}
    assert {
        "cpu_utilisation",
        "sftn_transfer_volume",
        "api_calls",
        "mobile_banking_sessions",
        "payments",
    } <= set(series["metric"])
    cpu = frame.filter(metric="cpu_utilisation")["value"]
    assert cpu.min() >= 0 and cpu.max() <= 100
    assert frame.filter(pl.col("unit") != "%")["value"].min() >= 0
    assert frame.select(pl.struct("metric", "resource", "timestamp").is_duplicated().any()).item() is False
    per_series = frame.filter(metric="cpu_utilisation").group_by("resource").len()["len"]
    assert per_series.max() < 288  # a few percent of 5-minute points are missing
    assert frame.filter(metric="payments").group_by("resource").len()["len"].max() == 1


def _daily(day: date, metric: str) -> float:
    return metrics.generate(day).filter(metric=metric)["value"].sum()


@pytest.mark.parametrize("metric", ["payments", "mobile_banking_sessions"])
def test_metrics_holiday_lower_than_surrounding_weekdays(metric: str) -> None:
    may_day = _daily(date(2024, 5, 1), metric)
    assert may_day < 0.9 * _daily(date(2024, 4, 30), metric)
    assert may_day < 0.9 * _daily(date(2024, 5, 2), metric)


def test_metrics_seasonality_and_trend() -> None:
    def sftn(d: date) -> float:
        return _daily(d, "sftn_transfer_volume")

    assert sftn(date(2024, 5, 31)) > 1.3 * sftn(date(2024, 5, 22))  # month-end peak
    assert _daily(date(2024, 8, 14), "payments") < _daily(date(2024, 6, 12), "payments")  # August dip
    assert _daily(date(2024, 6, 12), "api_calls") > 1.5 * _daily(date(2019, 6, 12), "api_calls")  # growth
    night = (
        metrics.generate(DAY)
        .filter(resource="SFTN-STET")
        .with_columns(hour=pl.col("timestamp").dt.convert_time_zone("Europe/Paris").dt.hour())
    )
    assert (
        night.filter(pl.col("hour") < 4)["value"].mean()
        > 3 * night.filter(pl.col("hour").is_between(10, 16))["value"].mean()
    )  # night batch window


# ---------------------------------------------------------------- tickets


@pytest.fixture(scope="module")
def two_months_of_tickets() -> pl.DataFrame:
    return pl.concat([tickets.generate(d) for d in days(date(2025, 5, 2), 60)])


def test_tickets_consistency(two_months_of_tickets: pl.DataFrame) -> None:
    t = two_months_of_tickets
    assert t.select("number", "partition_date").n_unique() == t.height  # once per day at most
    start = t["partition_date"].cast(pl.Datetime("us")).dt.replace_time_zone("Europe/Paris")
    opened_today = t.filter(pl.col("opened_at") >= start.dt.convert_time_zone("UTC"))
    counts = opened_today.group_by("partition_date").len()["len"]
    assert counts.min() >= 20 and counts.max() <= 80
    assert (t["sys_updated_on"] >= t["opened_at"]).all()
    assert (t["priority"] == t["impact"] + t["urgency"] - 1).all()
    resolved = t.filter(pl.col("state").is_in(["6", "7"]))
    open_ = t.filter(pl.col("state").is_in(["1", "2"]))
    assert resolved.height > 0 and open_.height > 0
    assert resolved["resolved_at"].null_count() == 0 and resolved["close_code"].null_count() == 0
    assert (
        (resolved["resolved_at"] >= resolved["opened_at"])
        & (resolved["resolved_at"] <= resolved["sys_updated_on"])
    ).all()
    assert open_["resolved_at"].null_count() == open_.height
    weekend = opened_today.filter(pl.col("partition_date").dt.weekday() >= 6).group_by("partition_date").len()
    weekday = opened_today.filter(pl.col("partition_date").dt.weekday() <= 5).group_by("partition_date").len()
    assert weekend["len"].mean() < weekday["len"].mean()


def test_tickets_labels_arrive_at_resolution_days_after_opening(two_months_of_tickets: pl.DataFrame) -> None:
    """The category is set when a ticket is resolved: open rows carry none, and a ticket
    opened on one day and resolved later comes back in the resolution day's partition with its
    label (what ``model_monitoring`` counts as the label known from that day)."""
    t = two_months_of_tickets
    open_ = t.filter(pl.col("state").is_in(["1", "2"]))
    assert open_["category"].null_count() == open_.height
    first = t.sort("partition_date").unique("number", keep="first")
    last = t.sort("partition_date").unique("number", keep="last")
    later = last.join(first.select("number", first_day="partition_date"), on="number").filter(
        pl.col("partition_date") > pl.col("first_day")
    )
    assert later.height > 0.2 * last.height  # many labels arrive on a later day
    assert later["category"].drop_nulls().len() > 0.8 * later.height
    assert ((later["partition_date"] - later["first_day"]).dt.total_days() >= 2).any()  # days, not hours
    assert (later["state"].is_in(["6", "7"])).all()


def test_tickets_labels_and_language(two_months_of_tickets: pl.DataFrame) -> None:
    t = two_months_of_tickets.filter(pl.col("state").is_in(["6", "7"]))  # labelled at resolution
    unlabelled = t.filter(pl.col("category").is_null())
    assert 0.06 <= unlabelled.height / t.height <= 0.14
    assert unlabelled["subcategory"].null_count() == unlabelled.height
    known = {(c, s) for c, subs in tickets.CATEGORIES.items() for s in subs}
    assert set(t.drop_nulls("category").select("category", "subcategory").unique().iter_rows()) <= known
    french = t["description"].str.contains(r"(?i)bonjour|nous constatons|signalent|cordialement|supervision")
    assert 0.45 <= french.mean() <= 0.9
    assert t["short_description"].n_unique() > 0.5 * t.height  # paraphrased, not copies


def test_tickets_new_cause_emerges() -> None:
    quota = r"(?i)quota d'appels|\b429\b|rate limit|call quota"
    before = pl.concat([tickets.generate(d) for d in days(date(2025, 4, 1), 60)])
    after = pl.concat([tickets.generate(d) for d in days(date(2025, 6, 1), 30)])
    apig_before = before.filter(pl.col("short_description").str.contains(quota))
    assert apig_before.height == 0
    assert after.filter(pl.col("short_description").str.contains(quota)).height >= 10


# ---------------------------------------------------------------- verbatims


@pytest.fixture(scope="module")
def answers() -> pl.DataFrame:
    return pl.concat([verbatims.generate(d) for d in days(date(2024, 2, 1), 60)])


def test_verbatims_scores_and_ids(answers: pl.DataFrame) -> None:
    assert answers["response_id"].n_unique() == answers.height
    counts = answers.group_by("partition_date").len()["len"]
    assert counts.min() >= 40 and counts.max() <= 150
    ten, five = answers.filter(score_scale=10), answers.filter(score_scale=5)
    assert ten["score"].is_between(0, 10).all() and five["score"].is_between(1, 5).all()
    assert 0.6 <= ten.height / answers.height <= 0.8
    assert set(answers["channel"]) == {"agence", "appli", "site", "téléphone"}
    empty = answers["verbatim"].is_null() | (answers["verbatim"] == "")
    assert 0.05 <= empty.mean() <= 0.25


def test_verbatims_tone_follows_score(answers: pl.DataFrame) -> None:
    nps = answers.filter(score_scale=10).drop_nulls("verbatim")
    praise = nps.filter(pl.col("verbatim").str.contains(r"(?i)je recommande|à l'écoute|pratique et facile"))
    complaint = nps.filter(
        pl.col("verbatim").str.contains(r"(?i)plante|interminable|trop élevés|inadmissible")
    )
    assert praise["score"].mean() > complaint["score"].mean() + 4


def _iban_ok(iban: str) -> bool:
    rearranged = iban[4:] + iban[:4]
    return int("".join(str(int(ch, 36)) for ch in rearranged)) % 97 == 1


def test_verbatims_personal_data(answers: pl.DataFrame) -> None:
    text = " \n ".join(answers["verbatim"].drop_nulls())
    ibans = [m.replace(" ", "") for m in re.findall(r"FR\d{2}(?: ?\d{4}){5} ?\d{3}", text)]
    assert len(ibans) >= 5
    assert all(_iban_ok(i) for i in ibans)
    assert not _iban_ok(ibans[0][:-1] + str((int(ibans[0][-1]) + 1) % 10))  # the check can fail
    assert re.search(r"[\w.]+@[\w.]+\.(fr|com|net)", text)
    assert re.search(r"(\+33 [67]( \d\d){4})|(0[67]\d{8})|(0[67]( \d\d){4})", text)
    assert re.search(r"client n° ?\d{8}", text)
    with_pii = (
        answers["verbatim"].drop_nulls().str.contains(r"@|FR\d\d|n° ?\d|\+33|0[67][ .]?\d\d|je suis|ici :")
    )
    assert 0.02 <= with_pii.mean() <= 0.1


# ---------------------------------------------------------------- team indicators


@pytest.fixture(scope="module")
def indicators() -> pl.DataFrame:
    return pl.concat([appops.generate_team_indicators(d) for d in days(date(2024, 3, 1), 121)])


def test_pages_follow_previous_day_changes(indicators: pl.DataFrame) -> None:
    previous = indicators.select(
        "team", pl.col("day") + pl.duration(days=1), pl.col("changes_deployed").alias("changes_before")
    )
    joined = indicators.join(previous, on=["team", "day"])
    assert joined.height == 120 * indicators["team"].n_unique()
    team = joined.filter(team="Canaux digitaux")
    assert np.corrcoef(team["changes_before"], team["oncall_pages"])[0, 1] > 0.3
    centred = joined.with_columns(
        pl.col("changes_before", "oncall_pages")
        - pl.col("changes_before", "oncall_pages").mean().over("team")
    )
    assert np.corrcoef(centred["changes_before"], centred["oncall_pages"])[0, 1] > 0.2


def test_staff_and_changes_calendar() -> None:
    def total(d: date, column: str) -> int:
        return appops.generate_team_indicators(d)[column].sum()

    assert sum(total(d, "staff_on_duty") for d in days(date(2024, 8, 5), 5)) < 0.8 * sum(
        total(d, "staff_on_duty") for d in days(date(2024, 6, 10), 5)
    )
    assert total(date(2024, 6, 15), "staff_on_duty") < 0.3 * total(date(2024, 6, 14), "staff_on_duty")
    assert sum(total(d, "changes_deployed") for d in days(date(2024, 12, 19), 12)) < 0.3 * sum(
        total(d, "changes_deployed") for d in days(date(2024, 11, 19), 12)
    )
    assert total(date(2024, 5, 1), "staff_on_duty") < 0.3 * total(date(2024, 4, 30), "staff_on_duty")
