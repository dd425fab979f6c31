"""Landing-file parsing: encodings, separators, decimal commas, rejects that name row and column."""

from __future__ import annotations

from datetime import UTC, date, datetime, timezone

import polars as pl
import pytest
from tests_support import FIXTURES

from resources.schemas import RAW_METRICS, RAW_VERBATIMS
from resources.sources.parsing import LandingFileError, coerce_frame, read_csv_text


def test_windows_1252_semicolon_decimal_comma():
    data = (FIXTURES / "landing/metrics/export_capacite_cp1252.csv").read_bytes()
    rows, _rejects = coerce_frame(read_csv_text(data, "export.csv"), RAW_METRICS, "export.csv")
    assert rows.schema["value"] == pl.Float64
    assert "CLU-PARIS-ÉST" in rows["resource"].to_list()
    assert rows.filter(pl.col("resource") == "SFTN-Crédit")["value"].to_list() == [1234.75, 980.5]
    # 09:00 Paris (winter, UTC+1) is 08:00 UTC
    first = rows.filter(pl.col("value") == 42.5)["timestamp"][0]
    assert first == datetime(2024, 3, 4, 8, 0, tzinfo=UTC)
    # 23:30 on 04/03 Paris is still the 4th in Paris although 22:30 UTC
    late = rows.filter(pl.col("value") == 1234.75)
    assert late["partition_date"][0] == date(2024, 3, 4)


def test_bad_values_are_rejected_with_row_column_and_reason():
    data = (FIXTURES / "landing/metrics/export_capacite_cp1252.csv").read_bytes()
    rows, rejects = coerce_frame(read_csv_text(data, "export.csv"), RAW_METRICS, "export.csv")
    assert rows.height == 4
    bad = {(r["_row"], r["_column"]) for r in rejects.iter_rows(named=True)}
    assert bad == {(4, "value"), (7, "timestamp")}
    reason = rejects.filter(pl.col("_column") == "value")["_reason"][0]
    assert "n/a" in reason and "Float64" in reason
    assert set(rejects["_file"]) == {"export.csv"}


def test_missing_required_column_fails_the_file_naming_it():
    raw = read_csv_text(b"ts;value\n2024-01-01;3\n", "landing/metrics/x.csv")
    with pytest.raises(LandingFileError, match=r"landing/metrics/x.csv.*timestamp"):
        coerce_frame(raw, RAW_METRICS, "landing/metrics/x.csv")


def test_empty_file_fails_naming_it():
    with pytest.raises(LandingFileError, match="empty.csv"):
        read_csv_text(b"", "empty.csv")


def test_offsets_and_out_of_range_scores():
    raw = pl.DataFrame(
        {
            "response_id": ["a", "b"],
            "answered_at": ["2024-03-04T23:30:00Z", "2024-03-04T10:00:00+02:00"],
            "score": ["7", "x"],
            "score_scale": ["10", "10"],
        }
    )
    rows, rejects = coerce_frame(raw, RAW_VERBATIMS, "api", row_offset=1)
    # 23:30 UTC on the 4th is 00:30 on the 5th in Paris
    assert rows["partition_date"].to_list() == [date(2024, 3, 5)]
    assert rejects["_row"].to_list() == [2] and rejects["_column"].to_list() == ["score"]
