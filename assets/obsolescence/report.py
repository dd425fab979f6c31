"""``committee_report``: one self-contained HTML page per day for the obsolescence committee,
read from the warehouse marts (``warehouse.duckdb``, read-only, in the warehouse pool so it
never reads while a dbt build writes).

Sections: exposure by environment and status; the 90-day trend and the team breakdown as
embedded PNG charts; the top risks per team (production components past or nearest to EOL);
what changed since the same day last week (components that entered or left past-EOL, on the
hosts scanned on both days only). The materialisation links the page at ``APPOPS_REPORTS_URL``
(where ``reports/`` is served over HTTP; ``.ci/demo`` serves it) and carries the tables as
markdown, so the UI shows them without opening a file.
"""

import html
import os
from datetime import date, timedelta
from pathlib import Path

import dagster as dg
import duckdb
import pandas as pd

from assets.obsolescence.report_charts import team_chart, trend_chart
from resources.calendar import context_days, daily_partitions, single_run
from resources.dbt import WAREHOUSE_POOL, local_path
from resources.storage import LakehouseStorage

TOP_RISKS = 5
RISKY = "('eol_passed', 'eol_within_90d', 'eol_within_180d')"
CSS = (
    "body{font-family:sans-serif;margin:2em;color:#222}table{border-collapse:collapse;"
    "font-size:13px;margin-bottom:1em}td,th{border:1px solid #ccc;padding:3px 8px}"
    "th{background:#eee}h2{margin-top:1.5em}"
)


def _table(frame: pd.DataFrame) -> str:
    numeric = frame.select_dtypes("number").columns
    frame = frame.astype({c: "Int64" for c in numeric if frame[c].dropna().mod(1).eq(0).all()})
    return frame.to_html(index=False, border=0, na_rep="") if len(frame) else "<p>none</p>"


def gather(con: duckdb.DuckDBPyConnection, day: date) -> dict:
    """The report's tables for ``day``."""
    week_ago = day - timedelta(days=7)
    q = lambda sql, *p: con.execute(sql, list(p)).df()  # noqa: E731
    scanned = con.execute(
        "select count(*) from fct_installed_components where partition_date = ?", [week_ago]
    ).fetchone()[0]
    return {
        "week_ago_scanned": scanned > 0,
        "exposure": q(f"""pivot (select environment, eol_status, components from mart_eol_exposure
                         where partition_date = date '{day}') on eol_status using sum(components)
                         group by environment order by environment"""),
        "by_team": q(
            """select team, eol_status, sum(components) as components from mart_eol_exposure
                        where partition_date = ? group by all""",
            day,
        ),
        "trend": q(
            """select partition_date, eol_status, sum(components) as components
                      from mart_eol_exposure where partition_date between ? and ?
                      group by all order by 1""",
            day - timedelta(days=89),
            day,
        ),
        "risks": q(
            f"""select team, application, product, version, release_cycle, eol_status,
                          eol_date, days_to_eol, count(distinct host) as hosts
                       from fct_installed_components left join dim_application using (application)
                       where partition_date = ? and environment = 'production'
                         and eol_status in {RISKY}
                       group by team, application, product, version, release_cycle, eol_status,
                                eol_date, days_to_eol
                       qualify row_number() over (partition by team
                               order by coalesce(days_to_eol, -100000), hosts desc,
                                        application, product, version) <= {TOP_RISKS}
                       -- ties broken by application, product, version: the same page every run
                       order by team, coalesce(days_to_eol, -100000), hosts desc,
                                application, product, version""",
            day,
        ),
        # Only hosts scanned on both days are compared: a host missing from one day's scan has
        # not lost (or gained) its components, it was simply not seen.
        "changes": q(
            """with scanned_both as (select host from fct_installed_components where partition_date = ?
                                      intersect
                                      select host from fct_installed_components where partition_date = ?),
                        now as (select application, host, product, version from
                         fct_installed_components where partition_date = ? and eol_status = 'eol_passed'
                         and host in (from scanned_both)),
                        before as (select application, host, product, version from
                         fct_installed_components where partition_date = ? and eol_status = 'eol_passed'
                         and host in (from scanned_both))
                     select 'entered past EOL' as change, * from (from now except from before)
                     union all
                     select 'left past EOL', * from (from before except from now)
                     order by 1, 2, 3, 4, 5""",
            day,
            week_ago,
            day,
            week_ago,
        ),
        "unscanned": q(
            """select distinct host, case when partition_date = ? then 'not scanned on '
                             || strftime(?::date, '%Y-%m-%d') else 'not scanned on '
                             || strftime(?::date, '%Y-%m-%d') end as note
                          from fct_installed_components where partition_date in (?, ?)
                          qualify count(distinct partition_date) over (partition by host) = 1
                          order by host""",
            day,
            week_ago,
            day,
            day,
            week_ago,
        ),
    }


def _unscanned(tables: dict) -> str:
    if not len(tables["unscanned"]):
        return ""
    return (
        "<p>Hosts seen in only one of the two scans are not compared "
        "(a missing scan is not a removal):</p>" + _table(tables["unscanned"])
    )


def summary_markdown(day: date, tables: dict) -> str:
    """The report's tables as markdown for the UI (the charts stay in the HTML page)."""

    def md(frame: pd.DataFrame) -> str:
        return frame.to_markdown(index=False) if len(frame) else "_none_"

    changes = md(tables["changes"]) if tables["week_ago_scanned"] else "_no scan that day_"
    return (
        f"### Exposure by environment, {day}\n\n{md(tables['exposure'])}\n\n"
        f"### Top risks per team (production)\n\n{md(tables['risks'])}\n\n"
        f"### Changes since {day - timedelta(days=7)}\n\n{changes}\n"
    )


def render(day: date, tables: dict[str, pd.DataFrame]) -> str:
    charts = ""
    if len(tables["trend"]):
        charts += f'<h2>Trend, last 90 days</h2><img alt="trend" src="{trend_chart(tables["trend"])}">'
    if len(tables["by_team"]):
        charts += f'<h2>Exposure per team</h2><img alt="teams" src="{team_chart(tables["by_team"])}">'
    return f"""<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>ObsoWatch committee report {day}</title><style>{CSS}</style></head><body>
<h1>ObsoWatch committee report, {html.escape(str(day))}</h1>
<h2>Exposure by environment (components per EOL status)</h2>{_table(tables["exposure"])}
{charts}
<h2>Top risks per team (production, at most {TOP_RISKS} each)</h2>{_table(tables["risks"])}
<h2>What changed since {day - timedelta(days=7)} (components entering or leaving past EOL)</h2>
{_table(tables["changes"]) if tables["week_ago_scanned"] else "<p>no scan that day to compare with</p>"}
{_unscanned(tables) if tables["week_ago_scanned"] else ""}
</body></html>"""


@dg.asset(
    name="committee_report",
    group_name="obsolescence",
    deps=["mart_eol_exposure", "fct_installed_components", "dim_application"],
    pool=WAREHOUSE_POOL,
    partitions_def=daily_partitions,
    backfill_policy=single_run,
    kinds={"html"},
    description="Self-contained HTML committee report per day under reports/committee/<day>.html.",
)
def committee_report(context: dg.AssetExecutionContext, storage: LakehouseStorage) -> dg.MaterializeResult:
    warehouse = Path(local_path(storage.warehouse_path, "warehouse.duckdb"))
    written, tables = [], {}
    with duckdb.connect(str(warehouse), read_only=True) as con:
        for day in context_days(context):
            path = storage.reports("committee", f"{day}.html")
            path.parent.mkdir(parents=True, exist_ok=True)
            tables = gather(con, day)
            path.write_text(render(day, tables), encoding="utf-8")
            written.append(path)
    metadata = {
        "path": dg.MetadataValue.path(str(written[-1])),
        "reports_written": len(written),
        "summary": dg.MetadataValue.md(summary_markdown(day, tables)),
    }
    # A browser blocks file:// links from the UI: link the page where reports/ is served.
    base = os.environ.get("APPOPS_REPORTS_URL", "").rstrip("/")
    if base:
        metadata["report"] = dg.MetadataValue.url(f"{base}/committee/{day}.html")
    return dg.MaterializeResult(metadata=metadata)
