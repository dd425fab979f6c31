"""Demo ServiceNow incidents (RAW_INCIDENTS) opened, and last updated, on a Paris day.

Tickets are written from a latent root cause (``ROOT_CAUSES``): French (~70 %) or English
paraphrases with random servers, codes and amounts, wrapped in greetings, signatures or
monitoring boilerplate. About 10 % are unlabelled and a few percent carry a wrong label. The
category is set at resolution (hours to days after opening): a day's partition holds the
incidents opened that day (open ones without a category) and the earlier ones resolved that day.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from functools import lru_cache

import numpy as np
import polars as pl

from resources.calendar import PARIS, day_bounds_utc
from resources.demo import text_incidents as T
from resources.demo.calendar_fr import is_business_day, is_holiday, random_instants, utc_series
from resources.demo.common import APPLICATIONS, rng_for
from resources.demo.text_incidents import CATEGORIES, ROOT_CAUSES, RootCause
from resources.schemas import RAW_INCIDENTS

__all__ = ["CATEGORIES", "ROOT_CAUSES", "generate", "incident_number"]

HOURLY = np.array([1, 1, 1, 1, 1, 2, 3, 6, 10, 12, 12, 11, 8, 10, 11, 11, 10, 8, 5, 3, 2, 2, 1, 1])
SEVERITY_P = {
    "high": ([0.35, 0.45, 0.2], [0.4, 0.4, 0.2]),
    "medium": ([0.1, 0.45, 0.45], [0.1, 0.5, 0.4]),
    "low": ([0.02, 0.2, 0.78], [0.03, 0.3, 0.67]),
}
MEDIAN_HOURS = {1: 1.5, 2: 3.0, 3: 6.0, 4: 14.0, 5: 30.0}
CRITICALITY_WEIGHT = {"critical": 1.6, "high": 1.2, "medium": 0.9, "low": 0.6}
AUTO_SUBCATEGORIES = {"storage", "server", "batch", "lock", "performance", "certificate", "connectivity"}
APP_BY_CODE = {a.code: a for a in APPLICATIONS}
HOUR_US = 3_600_000_000
UNIX_DAY0 = date(1970, 1, 1)


def incident_number(day: date, index: int) -> str:
    """Unique and stable across days: 100 slots per day (at most 80 are used)."""
    return f"INC{(day - UNIX_DAY0).days * 100 + index:07d}"


def _pick(rng: np.random.Generator, options: tuple[str, ...] | list[str]) -> str:
    return options[int(rng.integers(len(options)))]


def _server(rng: np.random.Generator, app_code: str) -> str:
    site, system = _pick(rng, ("PAR", "LYO")), _pick(rng, ("LX", "LX", "WN"))
    return f"{site}{system}{app_code[4:]}{rng.integers(1, 20):02d}"


def _error_code(rng: np.random.Generator) -> str:
    kind = int(rng.integers(5))
    if kind == 0:
        return f"ERR-{rng.integers(1000, 9999)}"
    if kind == 1:
        return f"E{rng.integers(100, 999)}"
    if kind == 2:
        return f"0x{rng.integers(16**4, 16**5):x}"
    if kind == 3:
        return f"HTTP {_pick(rng, ('500', '502', '503', '504'))}"
    return f"ORA-{rng.integers(1000, 30000):05d}"


def _placeholders(
    rng: np.random.Generator, app_code: str, day: date, opened_us: int, lang: str
) -> dict[str, str]:
    """Random values for the template fields, consistent with the ticket (app, day, hour)."""
    short = app_code[4:]
    seen = datetime.fromtimestamp(opened_us / 1e6 - rng.uniform(300, 7200), PARIS)
    name = _pick(rng, T.NAMES)
    flow = _pick(rng, ("PAIN001", "PAIN008", "CAMT053", "MT940", "DSN", "EDI"))
    return {
        "server": _server(rng, app_code),
        "err": _error_code(rng),
        "n": str(int(rng.integers(2, 120))),
        "ms": str(int(rng.integers(8, 90)) * 100),
        "pct": str(int(rng.integers(86, 101))),
        "fs": _pick(rng, T.FILESYSTEMS),
        "user": f"{name[0].lower()}{name.split()[-1].lower()}",
        "db": f"{_pick(rng, ('ORA', 'PG', 'SQL'))}{short}P{rng.integers(1, 4)}",
        "job": f"{short}J{rng.integers(1, 400):03d}",
        "file": f"{flow}_{day:%Y%m%d}_{rng.integers(1, 9999):04d}.xml",
        "partner": _pick(rng, T.PARTNERS),
        "api": _pick(rng, T.APIS),
        "market": _pick(rng, T.MARKETS),
        "agency": _pick(rng, T.AGENCIES),
        "sepa": _pick(rng, T.SEPA_CODES),
        "page": _pick(rng, T.PAGES),
        "host": f"{short.lower()}-{_pick(rng, ('api', 'front', 'bo', 'ws'))}.intra.banque.fr",
        "hhmm": seen.strftime("%Hh%M" if lang == "fr" else "%H:%M"),
        "app_name": APP_BY_CODE[app_code].name,
        "rule": f"R{rng.integers(1000, 9999)}",
        "name": name,
        "ref": incident_number(day - timedelta(days=int(rng.integers(1, 30))), int(rng.integers(0, 20)))[3:],
    }


def _inline(short: str) -> str:
    return short[0].lower() + short[1:] if len(short) > 1 and short[1].islower() else short


def _description(rng: np.random.Generator, lang: str, short: str, auto: bool, fill: dict[str, str]) -> str:
    intro = _pick(rng, T.INTROS[lang])
    body = intro.format(short=short if intro.startswith("{short}") else _inline(short))
    n_details = int(rng.integers(0, 4))
    details = [d.format(**fill) for d in rng.permutation(T.DETAILS[lang])[:n_details]]
    if auto:
        return "\n".join([_pick(rng, T.AUTO[lang]).format(**fill), body, *details])
    greeting = _pick(rng, T.GREETINGS[lang])
    signature = _pick(rng, T.SIGNATURES[lang]).format(**fill)
    return "\n".join(part for part in (greeting, body, *details, "", signature) if part is not None).strip()


def _day_count(rng: np.random.Generator, day: date) -> int:
    lam = 55.0 if is_business_day(day) else (24.0 if is_holiday(day) else 28.0)
    if day.month == 8:
        lam *= 0.85
    return int(np.clip(rng.poisson(lam), 20, 80))


def _cause_weights(causes: list[RootCause]) -> np.ndarray:
    w = np.array(
        [c.weight * (CRITICALITY_WEIGHT[APP_BY_CODE[c.app].criticality] if c.app else 1.0) for c in causes]
    )
    return w / w.sum()


LABEL_LAG_DAYS = 10  # a ticket is resolved (and labelled) at most this many days after opening


@lru_cache(maxsize=2 * LABEL_LAG_DAYS)
def _lifecycle(day: date) -> pl.DataFrame:
    """Every incident opened on ``day`` with its whole life: the label the service desk sets
    at resolution (``category``/``subcategory``), resolution and closure instants, and what
    an update before resolution shows (``_pending_state``, ``_pending_us``). Deterministic per
    day; cached, since each day's snapshot also reads the previous ``LABEL_LAG_DAYS`` days."""
    rng = rng_for("tickets", day.isoformat())
    n = _day_count(rng, day)
    opened = random_instants(rng, day, n, HOURLY)
    causes = [
        c for c in ROOT_CAUSES if (c.since is None or day >= c.since) and (c.until is None or day <= c.until)
    ]
    chosen = rng.choice(len(causes), size=n, p=_cause_weights(causes))
    rows: dict[str, list] = {
        k: []
        for k in [*RAW_INCIDENTS.columns, "_closed_us", "_closes", "_pending_state", "_pending_us"]
        if k not in ("opened_at", "state", "sys_updated_on")
    }
    all_categories = [(c, s) for c, subs in CATEGORIES.items() for s in subs]
    for i in range(n):
        cause = causes[chosen[i]]
        app_code = cause.app or _pick(rng, [a.code for a in APPLICATIONS])
        lang = "fr" if rng.random() < 0.7 else "en"
        fill = _placeholders(rng, app_code, day, int(opened[i]), lang)
        short = _pick(rng, cause.fr if lang == "fr" else cause.en).format(**fill)
        auto = cause.subcategory in AUTO_SUBCATEGORIES and rng.random() < 0.45
        p_imp, p_urg = SEVERITY_P[cause.severity]
        impact, urgency = int(rng.choice(3, p=p_imp)) + 1, int(rng.choice(3, p=p_urg)) + 1
        priority = impact + urgency - 1  # ServiceNow impact x urgency matrix
        label = (cause.category, cause.subcategory)
        u = rng.random()
        if u < 0.10:
            label = (None, None)
        elif u < 0.14:  # mislabelled by the service desk
            label = all_categories[int(rng.integers(len(all_categories)))]
        team = APP_BY_CODE[app_code].team
        group = cause.group or (f"AppOps {team} N2" if rng.random() < 0.85 else "Service Desk N1")
        hours = MEDIAN_HOURS[priority] * (0.3 if cause.subcategory == "password" else 1.0)
        hours = min(float(rng.lognormal(np.log(hours), 0.8)), 24.0 * (LABEL_LAG_DAYS - 1))
        resolved_us = int(opened[i]) + int(hours * HOUR_US)
        code = _pick(rng, T.CLOSE_CODES)
        notes = T.CLOSE_NOTES.get(cause.subcategory, T.CLOSE_NOTES["*"])[lang]
        note = T.NOT_REPRODUCED[lang] if "Reproducible" in code else _pick(rng, notes).format(**fill)
        values = {
            "number": incident_number(day, i),
            "short_description": short,
            "description": _description(rng, lang, short, auto, fill),
            "category": label[0],
            "subcategory": label[1],
            "priority": priority,
            "impact": impact,
            "urgency": urgency,
            "assignment_group": group,
            "cmdb_ci": fill["server"] if rng.random() < 0.6 else app_code,
            "resolved_at": resolved_us,
            "close_code": code,
            "close_notes": note,
            "_closed_us": resolved_us + int(rng.uniform(0.2, 3.0) * HOUR_US),
            "_closes": bool(rng.random() < 0.5),
            "_pending_state": "1" if rng.random() < 0.2 else "2",
            "_pending_us": int(opened[i]) + int(rng.uniform(0, 2) * HOUR_US),
        }
        for key, value in values.items():
            rows[key].append(value)
    schema = RAW_INCIDENTS.with_partition
    ints = ("resolved_at", "_closed_us", "_pending_us")
    return pl.DataFrame(
        {
            "opened_at": utc_series("opened_at", opened).cast(pl.Int64),
            **{
                k: pl.Series(
                    k,
                    v,
                    dtype=pl.Int64()
                    if k in ints
                    else (pl.Boolean() if k == "_closes" else schema.get(k, pl.String())),
                )
                for k, v in rows.items()
            },
        }
    )


def _as_of(life: pl.DataFrame, end_us: int) -> pl.DataFrame:
    """The incidents as the service desk sees them at ``end_us``: before resolution, open
    (state 1/2) and *without* a category; once resolved (6) or closed (7), labelled."""
    resolved = pl.col("resolved_at") <= end_us
    closed = resolved & pl.col("_closes") & (pl.col("_closed_us") <= end_us)
    when_resolved = ["category", "subcategory", "resolved_at", "close_code", "close_notes"]
    return life.with_columns(
        state=pl.when(closed).then(pl.lit("7")).when(resolved).then(pl.lit("6")).otherwise("_pending_state"),
        sys_updated_on=pl.when(closed)
        .then("_closed_us")
        .when(resolved)
        .then("resolved_at")
        .otherwise(pl.min_horizontal("_pending_us", pl.lit(end_us))),
        **{c: pl.when(resolved).then(pl.col(c)) for c in when_resolved},
    )


def generate(day: date) -> pl.DataFrame:
    """Incidents as last updated on ``day`` (RAW_INCIDENTS schema, with ``partition_date``):
    those opened on ``day``, and those opened up to ``LABEL_LAG_DAYS`` earlier and resolved on
    ``day``. The category is set at resolution, so most labels arrive after the opening day's
    row: a model's live precision fills in as its tickets are resolved."""
    start, end = day_bounds_utc(day)
    start_us, end_us = int(start.timestamp() * 1_000_000), int(end.timestamp() * 1_000_000) - 1
    resolved_today = (pl.col("resolved_at") >= start_us) & (pl.col("resolved_at") <= end_us)
    earlier = [
        _lifecycle(day - timedelta(days=k)).filter(resolved_today) for k in range(LABEL_LAG_DAYS, 0, -1)
    ]
    frame = _as_of(pl.concat([*earlier, _lifecycle(day)]), end_us)
    schema = RAW_INCIDENTS.with_partition
    frame = frame.with_columns(
        pl.col("opened_at", "resolved_at", "sys_updated_on").cast(pl.Datetime("us", "UTC")),
        partition_date=pl.lit(day, dtype=pl.Date()),
    )
    return frame.select(schema.keys()).cast(schema)
