"""``committee_report``: one self-contained HTML page per day for the obsolescence committee,
read from ``serving.duckdb`` (read-only, so it never waits on a warehouse build).

Sections: exposure by environment and status; the 90-day trend and the team breakdown as
embedded PNG charts; the top risks per team (production components past or nearest to EOL);
what changed since the same day last week (components that entered or left past-EOL).
"""

import html
from datetime import date, timedelta
from pathlib import Path

import dagster as dg
import duckdb
import pandas as pd

from assets.partitions import context_days, daily_partitions, single_run
from assets.warehouse.project import local_path
from assets.warehouse.report_charts import team_chart, trend_chart
from resources.storage import LakehouseStorage

TOP_RISKS = 5
RISKY = "('eol_passed', 'eol_within_90d', 'eol_within_180d')"
CSS = ("body{font-family:sans-serif;margin:2em;color:#222}table{border-collapse:collapse;"
       "font-size:13px;margin-bottom:1em}td,th{border:1px solid #ccc;padding:3px 8px}"
       "th{background:#eee}h2{margin-top:1.5em}")


def _table(frame: pd.DataFrame) -> str:
    numeric = frame.select_dtypes("number").columns
    frame = frame.astype({c: "Int64" for c in numeric if frame[c].dropna().mod(1).eq(0).all()})
    return frame.to_html(index=False, border=0, na_rep="") if len(frame) else "<p>none</p>"


def gather(con: duckdb.DuckDBPyConnection, day: date) -> dict:
    """The report's tables for ``day``."""
    week_ago = day - timedelta(days=7)
    q = lambda sql, *p: con.execute(sql, list(p)).df()  # noqa: E731
    scanned = con.execute("select count(*) from fct_installed_components where partition_date = ?",
                          [week_ago]).fetchone()[0]
    return {
        "week_ago_scanned": scanned > 0,
        "exposure": q("""pivot (select environment, eol_status, components from mart_eol_exposure
                         where partition_date = date '{day}') on eol_status using sum(components)
                         group by environment order by environment""".format(day=day)),
        "by_team": q("""select team, eol_status, sum(components) as components from mart_eol_exposure
                        where partition_date = ? group by all""", day),
        "trend": q("""select partition_date, eol_status, sum(components) as components
                      from mart_eol_exposure where partition_date between ? and ?
                      group by all order by 1""", day - timedelta(days=89), day),
        "risks": q(f"""select team, application, product, version, release_cycle, eol_status,
                          eol_date, days_to_eol, count(distinct host) as hosts
                       from fct_installed_components left join dim_application using (application)
                       where partition_date = ? and environment = 'production'
                         and eol_status in {RISKY}
                       group by team, application, product, version, release_cycle, eol_status,
                                eol_date, days_to_eol
                       qualify row_number() over (partition by team
                               order by coalesce(days_to_eol, -100000), hosts desc) <= {TOP_RISKS}
                       order by team, coalesce(days_to_eol, -100000)""", day),
        "changes": q("""with now as (select application, host, product, version from
                         fct_installed_components where partition_date = ? and eol_status = 'eol_passed'),
                        before as (select application, host, product, version from
                         fct_installed_components where partition_date = ? and eol_status = 'eol_passed')
                     select 'entered past EOL' as change, * from (from now except from before)
                     union all
                     select 'left past EOL', * from (from before except from now)
                     order by 1, 2, 3""", day, week_ago),
    }


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
</body></html>"""


@dg.asset(
    name="committee_report",
    group_name="obsolescence",
    deps=["serving_duckdb"],
    partitions_def=daily_partitions,
    backfill_policy=single_run,
    kinds={"html"},
    description="Self-contained HTML committee report per day under reports/committee/<day>.html.",
)
def committee_report(context: dg.AssetExecutionContext, storage: LakehouseStorage
                     ) -> dg.MaterializeResult:
    serving = Path(local_path(storage.serving_path, "serving.duckdb"))
    written = []
    with duckdb.connect(str(serving), read_only=True) as con:
        for day in context_days(context):
            path = storage.reports("committee", f"{day}.html")
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(render(day, gather(con, day)), encoding="utf-8")
            written.append(path)
    return dg.MaterializeResult(metadata={
        "report": dg.MetadataValue.url(f"file://{written[-1]}"),
        "path": dg.MetadataValue.path(str(written[-1])),
        "reports_written": len(written),
    })
