"""``eol_alerts``: threshold rules over the day's installed components, one row per alert.

A rule counts components whose EOL status is in ``statuses`` (and environment in
``environments``, all when empty) per application, or per application and release cycle with
``per_cycle``, and raises an alert when the count is above ``more_than``. The alert id hashes
rule and subject (not the day): an ongoing condition is one alert, which the
``eol_alert_sensor`` sends once. Rules are run config; the defaults are the two the
committee asked for.
"""

import hashlib
from pathlib import Path

import dagster as dg
import duckdb
import polars as pl

from assets.lake import daily_lake_asset, lake_checks
from resources.calendar import context_days
from resources.dbt import WAREHOUSE_POOL, local_path
from resources.ml_schemas import EOL_ALERTS
from resources.storage import LakehouseStorage

ALERT_COLUMNS = EOL_ALERTS.with_partition


class AlertRule(dg.Config):
    name: str
    statuses: list[str]
    environments: list[str] = []
    more_than: int = 0
    per_cycle: bool = False
    severity: str = "warning"


DEFAULT_RULES = [
    {
        "name": "production_past_eol",
        "statuses": ["eol_passed"],
        "environments": ["production"],
        "per_cycle": True,
        "severity": "critical",
    },
    {"name": "many_components_eol_within_90d", "statuses": ["eol_within_90d"], "more_than": 5},
]


class AlertRulesConfig(dg.Config):
    rules: list[AlertRule] = DEFAULT_RULES

    def parsed(self) -> list[AlertRule]:
        """The rules as AlertRule (defaults stay plain dicts until Dagster resolves them)."""
        return [r if isinstance(r, AlertRule) else AlertRule(**r) for r in self.rules]


def _quoted(values: list[str]) -> str:
    return ", ".join("'" + v.replace("'", "''") + "'" for v in values)


def evaluate_rule(con: duckdb.DuckDBPyConnection, rule: AlertRule, days: list) -> pl.DataFrame:
    """The alerts of one rule over ``days`` (the warehouse marts fct_installed_components and
    dim_application)."""
    subject = "f.product, f.release_cycle" if rule.per_cycle else "null::varchar, null::varchar"
    env = f"and f.environment in ({_quoted(rule.environments)})" if rule.environments else ""
    frame = con.sql(f"""
        select f.application, coalesce(any_value(a.team), 'unassigned') as team,
               any_value(subject[1]) as product, any_value(subject[2]) as release_cycle,
               count(*) as components, count(distinct f.host) as hosts,
               min(f.days_to_eol) as min_days_to_eol, f.partition_date
        from (select f.*, [{subject}] as subject from fct_installed_components f) f
        left join dim_application a using (application)
        where f.partition_date between date '{min(days)}' and date '{max(days)}'
          and f.eol_status in ({_quoted(rule.statuses)}) {env}
        group by f.application, f.partition_date, f.subject
        having count(*) > {int(rule.more_than)}
        """).pl()
    ident = pl.concat_str(
        pl.lit(rule.name),
        "application",
        pl.col("product").fill_null(""),
        pl.col("release_cycle").fill_null(""),
        separator="|",
    )
    what = (
        pl.concat_str(pl.col("product"), pl.col("release_cycle"), separator=" ")
        if rule.per_cycle
        else pl.lit(f"{len(rule.statuses)} status(es)")
    )
    return frame.with_columns(
        alert_id=ident.map_elements(
            lambda s: hashlib.sha256(s.encode()).hexdigest()[:16], return_dtype=pl.String
        ),
        rule=pl.lit(rule.name),
        severity=pl.lit(rule.severity),
        message=pl.format(
            "{}: {} ({}) has {} component(s) on {} host(s) in {} [{}]",
            pl.lit(rule.name),
            "application",
            "team",
            "components",
            "hosts",
            what,
            pl.lit(", ".join(rule.statuses)),
        ),
    ).select([pl.col(c).cast(t) for c, t in ALERT_COLUMNS.items()])


def evaluate_rules(warehouse: Path, rules: list[AlertRule], days: list) -> pl.DataFrame:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        frames = [evaluate_rule(con, rule, days) for rule in rules]
    return pl.concat([pl.DataFrame(schema=ALERT_COLUMNS), *frames]).sort(
        "partition_date", "severity", "application"
    )


@daily_lake_asset(
    EOL_ALERTS,
    group_name="obsolescence",
    deps=["fct_installed_components", "dim_application"],
    pool=WAREHOUSE_POOL,
    kinds={"duckdb", "polars"},
    description="Alerts raised by the EOL threshold rules, per day; eol_alert_sensor sends "
    "each new one once (run log, reports/alerts/alerts.jsonl, optional webhook).",
)
def eol_alerts(
    context: dg.AssetExecutionContext, config: AlertRulesConfig, storage: LakehouseStorage
) -> pl.DataFrame:
    days = context_days(context)
    warehouse = Path(local_path(storage.warehouse_path, "warehouse.duckdb"))
    rules = config.parsed()
    alerts = evaluate_rules(warehouse, rules, days)
    context.add_output_metadata(
        {
            "dagster/row_count": alerts.height,
            "distinct_alerts": alerts["alert_id"].n_unique(),
            "rules": ", ".join(r.name for r in rules),
        }
    )
    return alerts


eol_alerts_checks = [
    *lake_checks(EOL_ALERTS),
]
