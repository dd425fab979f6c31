"""Nothing lost without a trace: for each failure mode of a landed file, every row read is in
the lake or in quarantine (file, row, column, reason), and the run's metadata says so per file."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import dagster as dg
import polars as pl
import pytest

from definitions import build_definitions
from resources.calendar import RANGE_END_TAG, RANGE_START_TAG
from resources.storage import LakehouseStorage, read_parquet


def _run(root: Path, asset: str, start: str, end: str | None = None, raise_on_error=True):
    defs = build_definitions(root=str(root), mode="files")
    tags = {RANGE_START_TAG: start, RANGE_END_TAG: end} if end else None
    return dg.materialize(
        [*defs.assets, *(defs.asset_checks or [])],
        selection=[asset],
        partition_key=None if end else start,
        tags=tags,
        resources=defs.resources,
        raise_on_error=raise_on_error,
    )


def _land(root: Path, subdir: str, name: str, text: str, encoding: str = "utf-8") -> Path:
    path = root / "landing" / subdir / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text.encode(encoding))
    return path


def _frames(root: Path, asset: str, days: list[date]) -> tuple[pl.DataFrame, pl.DataFrame]:
    storage = LakehouseStorage(root=str(root))
    lake = [read_parquet(storage.lake_file(asset, d)) for d in days]
    bad = [read_parquet(p) for d in days if (p := storage.quarantine_file(asset, d)).exists()]
    return (
        pl.concat(lake, how="diagonal_relaxed"),
        pl.concat(bad, how="diagonal_relaxed") if bad else pl.DataFrame(),
    )


def _data_lines(*paths: Path) -> int:
    return sum(len(p.read_text(encoding="utf-8").strip().splitlines()) - 1 for p in paths)


def _materialization(result, asset: str, partition: str | None = None):
    found = [
        e.event_specific_data.materialization
        for e in result.get_asset_materialization_events()
        if e.asset_key.to_user_string() == asset and (partition is None or e.partition == partition)
    ]
    return found[0]


def _check(result, asset: str, name: str = "data_contract"):
    return next(
        e
        for e in result.get_asset_check_evaluations()
        if e.asset_key.to_user_string() == asset and e.check_name == name
    )


def test_duplicates_within_and_across_files_keep_the_first_copy(root):
    header = "timestamp,metric,resource,value,unit\n"
    first = _land(
        root,
        "metrics",
        "a_export.csv",
        header
        + "2024-03-04 10:00:00,api_calls,api,100,calls\n"
        + "2024-03-04 10:05:00,api_calls,api,110,calls\n"
        + "2024-03-04 10:00:00,api_calls,api,999,calls\n",
    )  # same key, same file
    second = _land(
        root,
        "metrics",
        "b_export.csv",
        header
        + "2024-03-04 10:05:00,api_calls,api,555,calls\n"  # same key, other file
        + "2024-03-04 10:10:00,api_calls,api,120,calls\n",
    )
    result = _run(root, "raw_metrics", "2024-03-04")
    lake, bad = _frames(root, "raw_metrics", [date(2024, 3, 4)])
    assert lake.height + bad.height == _data_lines(first, second) == 5
    assert sorted(lake["value"].to_list()) == [100.0, 110.0, 120.0]  # first copies kept
    assert sorted(bad["value"].to_list()) == ["555.0", "999.0"]
    assert set(bad["_column"]) == {"metric,resource,timestamp"}
    assert all("duplicate key" in r and "first copy kept from" in r for r in bad["_reason"])
    assert bad.filter(pl.col("value") == "999.0")["_row"].to_list() == [4]
    files = _materialization(result, "raw_metrics").metadata["files_in_run"].data
    assert files[str(first)] == {"read": 3, "accepted": 2, "quarantined": 1}
    assert files[str(second)] == {"read": 2, "accepted": 1, "quarantined": 1}
    assert _check(result, "raw_metrics").passed


def test_last_wins_keeps_the_latest_update_and_quarantines_the_replaced_one(root):
    header = "number,opened_at,short_description,priority,sys_updated_on,state\n"
    path = _land(
        root,
        "tickets",
        "export.csv",
        header
        + "INC1,2024-03-04 08:00:00,VPN lent,3,2024-03-04 15:00:00,6\n"
        + "INC1,2024-03-04 08:00:00,VPN lent,3,2024-03-04 09:00:00,2\n",
    )
    _run(root, "raw_incidents", "2024-03-04")
    lake, bad = _frames(root, "raw_incidents", [date(2024, 3, 4)])
    assert lake.height + bad.height == _data_lines(path)
    assert lake["state"].to_list() == ["6"]
    assert bad["_row"].to_list() == [3] and "replaced by the later copy" in bad["_reason"][0]


def test_row_rules_quarantine_the_row_not_the_day(root):
    path = _land(
        root,
        "metrics",
        "capacite.csv",
        "timestamp;metric;resource;value;unit\n"
        "2024-03-04 09:00:00;cpu;CLU-1;42,5;%\n"
        "2024-03-04 09:05:00;cpu;CLU-1;250;%\n"  # CPU above 100 %
        "2024-03-04 09:10:00;cpu;CLU-1;NaN;%\n"  # not a finite number
        "2024-03-04 09:15:00;cpu;CLU-1;inf;%\n"
        "1899-12-30 00:00:00;cpu;CLU-1;12;%\n"  # Excel's day zero
        "2099-01-01 00:00:00;cpu;CLU-1;12;%\n"  # far future
        "2024-03-04 09:20:00;volume;SFTN;1 234,75;GB\n",
    )
    result = _run(root, "raw_metrics", "2024-03-04")
    lake, bad = _frames(root, "raw_metrics", [date(2024, 3, 4)])
    assert lake.height + bad.height == _data_lines(path) == 7
    assert lake.height == 2
    why = dict(zip(bad["_row"], bad["_reason"]))
    assert "outside [0, 100] for unit '%'" in why[3]
    assert "non-finite" in why[4] and "non-finite" in why[5]
    assert "1899-12-30 outside the sanity window" in why[6]
    assert "2099-01-01 outside the sanity window" in why[7]
    assert set(bad["partition_date"]) == {date(2024, 3, 4)}  # absurd dates: the file's day
    assert _check(result, "raw_metrics").passed


def test_scores_counts_and_incident_dates(root):
    verbatims = _land(
        root,
        "verbatims",
        "irc.csv",
        "response_id;answered_at;score;score_scale;verbatim\n"
        "R1;04/03/2024 10:15;9;10;Très bien\n"
        "R2;04/03/2024 10:16;11;10;Score impossible\n"
        "R3;04/03/2024 10:17;7;5;Au-dessus de son échelle\n"
        "R4;04/03/2024 10:18;4;7;Échelle inconnue\n",
    )
    result = _run(root, "raw_verbatims", "2024-03-04")
    lake, bad = _frames(root, "raw_verbatims", [date(2024, 3, 4)])
    assert lake.height + bad.height == _data_lines(verbatims)
    assert lake["response_id"].to_list() == ["R1"]
    assert dict(zip(bad["_row"], bad["_column"])) == {3: "score", 4: "score", 5: "score_scale"}
    assert _check(result, "raw_verbatims").passed

    teams = _land(
        root,
        "appops360/team_indicators",
        "indicateurs.csv",
        "equipe;date;staff_on_duty;changes_deployed;oncall_pages\n"
        "Paiements;2024-03-04;12;3;1\n"
        "Canaux;2024-03-04;9;-2;1\n",
    )
    _run(root, "raw_team_indicators", "2024-03-04")
    lake, bad = _frames(root, "raw_team_indicators", [date(2024, 3, 4)])
    assert lake.height + bad.height == _data_lines(teams)
    assert lake["team"].to_list() == ["Paiements"]  # "equipe" and "date" read as team and day
    assert bad["_column"].to_list() == ["changes_deployed"]

    incidents = _land(
        root,
        "tickets",
        "export.csv",
        "number,opened_at,short_description,resolved_at,sys_updated_on\n"
        "INC1,2024-03-04 08:00:00,VPN,2024-03-04 09:00:00,2024-03-04 09:00:00\n"
        "INC2,2024-03-04 08:00:00,VPN,2024-03-03 09:00:00,2024-03-04 09:00:00\n",
    )
    _run(root, "raw_incidents", "2024-03-04")
    lake, bad = _frames(root, "raw_incidents", [date(2024, 3, 4)])
    assert lake.height + bad.height == _data_lines(incidents)
    assert bad["_column"].to_list() == ["resolved_at"]
    assert "is before opened_at" in bad["_reason"][0]


def test_autumn_repeated_hour_keeps_every_point_in_order(root):
    """27 Oct 2024, Paris: 02:00-02:55 happens twice. Read by order: summer then winter time."""
    lines = ["timestamp,metric,resource,value,unit"]
    lines += [f"2024-10-27 01:{m:02d}:00,api_calls,api,{m},calls" for m in range(0, 60, 5)]
    lines += [f"2024-10-27 02:{m:02d}:00,api_calls,api,{100 + m},calls" for m in range(0, 60, 5)]
    lines += [f"2024-10-27 02:{m:02d}:00,api_calls,api,{200 + m},calls" for m in range(0, 60, 5)]
    lines += [
        "2024-10-27 02:30:00,api_calls,api,999,calls",  # a third copy: cannot be placed
        "2024-10-27 03:00:00,api_calls,api,300,calls",
    ]
    path = _land(root, "metrics", "dst.csv", "\n".join(lines) + "\n")
    _run(root, "raw_metrics", "2024-10-27")
    lake, bad = _frames(root, "raw_metrics", [date(2024, 10, 27)])
    assert lake.height + bad.height == _data_lines(path) == 38
    assert lake.height == 37 and lake["timestamp"].n_unique() == 37
    ordered = lake.sort("timestamp")["value"].to_list()
    assert ordered == sorted(ordered)  # winter copies come an hour after the summer ones
    first = lake.filter(pl.col("value") == 100.0)["timestamp"][0]
    second = lake.filter(pl.col("value") == 200.0)["timestamp"][0]
    assert (second - first).total_seconds() == 3600
    assert bad["_row"].to_list() == [38] and "ambiguous local time" in bad["_reason"][0]


def test_spring_gap_is_quarantined_with_its_reason(root):
    path = _land(
        root,
        "metrics",
        "spring.csv",
        "timestamp,metric,resource,value,unit\n"
        "2024-03-31 01:55:00,api_calls,api,1,calls\n"
        "2024-03-31 02:30:00,api_calls,api,2,calls\n"
        "2024-03-31 03:00:00,api_calls,api,3,calls\n",
    )
    _run(root, "raw_metrics", "2024-03-31")
    lake, bad = _frames(root, "raw_metrics", [date(2024, 3, 31)])
    assert lake.height + bad.height == _data_lines(path)
    assert bad["_row"].to_list() == [3] and "does not exist" in bad["_reason"][0]


def test_french_values_and_columns_are_read_and_unknown_values_name_their_column(root):
    _land(
        root,
        "obsolescence/inventory",
        "scan_2024-03-04.csv",
        "application;serveur;environnement;product;version;discovered_at\n"
        "APP-A;h1;Pré-production;python;3.11;2024-03-04 02:00\n"
        "APP-A;h2;recette;python;3.11;2024-03-04 02:00\n"
        "APP-A;h3;Développement;python;3.11;2024-03-04 02:00\n"
        "APP-A;h4;PROD;python;3.11;2024-03-04 02:00\n"
        "APP-A;h5;bac à sable;python;3.11;2024-03-04 02:00\n",
        "cp1252",
    )
    result = _run(root, "raw_software_inventory", "2024-03-04")
    lake, bad = _frames(root, "raw_software_inventory", [date(2024, 3, 4)])
    assert lake.height + bad.height == 5
    assert lake["environment"].to_list() == ["preproduction", "recette", "development", "production"]
    assert bad["_column"].to_list() == ["environment"] and bad["_row"].to_list() == [6]
    assert _check(result, "raw_software_inventory").passed

    _land(
        root,
        "appops360/applications",
        "applications.csv",
        "application,team,criticité\nA1,T,haute\nA2,T,Critique\nA3,T,moyenne\nA4,T,basse\nA5,T,vitale\n",
    )
    _run(root, "raw_applications", "2024-03-04")
    lake, bad = _frames(root, "raw_applications", [date(2024, 3, 4)])
    assert lake["criticality"].to_list() == ["high", "critical", "medium", "low"]
    assert bad["_column"].to_list() == ["criticality"] and "vitale" in bad["_reason"][0]


def test_a_run_reads_only_the_files_of_its_days_and_a_broken_file_fails_only_its_days(root, monkeypatch):
    from resources.sources.landing import LandingSource

    header = "timestamp,metric,resource,value,unit\n"
    _land(root, "metrics", "day4.csv", header + "2024-03-04 10:00:00,api_calls,api,1,calls\n")
    _land(root, "metrics", "day5.csv", header + "2024-03-05 10:00:00,api_calls,api,2,calls\n")
    broken = _land(root, "metrics", "day6.csv", header + "2024-03-06 10:00:00,api_calls,api,3,c\n")
    _run(root, "raw_metrics", "2024-03-04", "2024-03-06")  # indexes every file
    broken.write_bytes(b"\x00\x01 not a table")  # the day-6 file is replaced by garbage
    opened: list[str] = []
    original = LandingSource.read_file

    def spy(self, path):
        opened.append(path.name)
        return original(self, path)

    monkeypatch.setattr(LandingSource, "read_file", spy)
    assert _run(root, "raw_metrics", "2024-03-05").success
    assert sorted(opened) == ["day5.csv", "day6.csv"]  # day6 changed: re-indexed, not read again
    opened.clear()
    assert _run(root, "raw_metrics", "2024-03-04").success
    assert opened == ["day4.csv"]  # the index is trusted: day5 and the broken day6 not opened
    with pytest.raises(Exception, match="day6.csv"):
        _run(root, "raw_metrics", "2024-03-06")
