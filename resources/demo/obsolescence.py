"""Demo ObsoWatch inventory: a daily discovery scan of the software installed on each host.

The base inventory (hosts, components, upgrade plans) is built once per process from the
shipped endoflife.date snapshot; a day's scan is then computed in closed form from it:

- every application of ``APPLICATIONS`` has 2-8 hosts (``srv-paym-prd-01``…) across
  production / preproduction / recette / development, each with an OS, a monitoring agent
  and role components (web, app, db, batch);
- versions are full versions (``3.11.7``, ``14.10``, ``8.0.35``) of real catalog cycles, so
  cycle-prefix matching works; patch levels follow each host's patch cadence and the
  cycle's patch history (``latest`` / ``latestReleaseDate`` interpolated);
- cycle upgrades are planned per (application, product) and roll out development first,
  production last; some production hosts are left behind (past-EOL leftovers);
- about 2 % of hosts are missing from a given scan; a few components are unmatched on
  purpose (a product absent from the catalog, a version of no cycle).

No state is carried between days: ``generate_inventory(day)`` depends only on ``day``.
"""

from __future__ import annotations

import math
import re
from bisect import bisect_right
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache

import numpy as np
import polars as pl

from resources.calendar import day_bounds_utc
from resources.demo.common import APPLICATIONS, rng_for
from resources.schemas import RAW_SOFTWARE_INVENTORY
from resources.sources.eol_catalog import catalog_dir, parse_products_dir

ENVIRONMENTS = ("production", "preproduction", "recette", "development")
_ENV_SHORT = {"production": "prd", "preproduction": "ppr", "recette": "rec", "development": "dev"}
_ENV_LAG = {"development": 0, "recette": 20, "preproduction": 40, "production": 70}  # days
_ROLES = ("app", "db", "web", "app", "batch", "db", "web", "app")
MISSING_RATE = 0.02
_EPOCH = date(2023, 1, 1).toordinal()
_LAST_PLANNED = date(2026, 10, 31).toordinal()
_INITIAL_BEFORE = date(2022, 6, 30)

# product -> (oldest cycle release date kept, LTS cycles only)
_POOLS: dict[str, tuple[date, bool]] = {
    "debian": (date(2015, 1, 1), False),
    "centos": (date(2011, 1, 1), False),
    "rocky-linux": (date(2021, 1, 1), False),
    "windows-server-core": (date(2012, 1, 1), True),
    "ibm-aix": (date(2015, 1, 1), False),
    "zabbix": (date(2018, 1, 1), True),
    "tomcat": (date(2013, 1, 1), False),
    "red-hat-jboss-eap": (date(2012, 1, 1), False),
    "oracle-jdk": (date(2014, 1, 1), True),
    "nodejs": (date(2016, 1, 1), True),
    "python": (date(2010, 1, 1), False),
    "postgresql": (date(2015, 1, 1), False),
    "mysql": (date(2013, 1, 1), False),
    "mariadb": (date(2017, 1, 1), True),
    "mongodb": (date(2016, 1, 1), False),
    "elasticsearch": (date(2016, 1, 1), False),
    "nginx": (date(2017, 1, 1), False),
    "apache-kafka": (date(2019, 1, 1), False),
    "hashicorp-vault": (date(2020, 1, 1), False),
    "keycloak": (date(2020, 6, 1), False),
}
_FIXED_VERSIONS = {("centos", "7"): "7.9.2009", ("centos", "8"): "8.5.2111", ("centos", "6"): "6.10"}
_CHOICES: dict[str, tuple[tuple[str, ...], tuple[float, ...]]] = {
    "os": (
        ("debian", "centos", "rocky-linux", "windows-server-core", "ibm-aix"),
        (0.4, 0.25, 0.15, 0.1, 0.1),
    ),
    "app": (("tomcat", "red-hat-jboss-eap", "nodejs", "python"), (0.4, 0.2, 0.2, 0.2)),
    "db": (("postgresql", "mysql", "mariadb", "mongodb", "elasticsearch"), (0.4, 0.15, 0.15, 0.15, 0.15)),
    "batch": (("python", "apache-kafka"), (0.7, 0.3)),
}
_EXTRA = {
    "APP-APIG": ("keycloak", "hashicorp-vault"),
    "APP-PAYM": ("hashicorp-vault",),
    "APP-FRAU": ("apache-kafka",),
    "APP-MOBI": ("nodejs",),
}
# Deliberately unmatched components (role, product, version): an unknown product, no cycle.
_UNMATCHED = (
    ("web", "ApacheHTTPD", "2.4.57"),
    ("app", "oracle-weblogic", "12.2.1.4.0"),
    ("app", "oracle-jdk", "1.8.0_401"),
    ("db", "postgresql", "9.x"),
)
_NUMERIC_TAIL = re.compile(r"^\d+(\.\d+)*$")


@dataclass(frozen=True)
class _Cycle:
    product: str
    cycle: str
    release: int  # ordinal days
    latest_at: int
    tail: tuple[int, ...]  # numeric parts of ``latest`` after the cycle ("3.11.16" -> (16,))
    fixed: str | None  # version used as is (no patch level)

    def version(self, on: int, salt: int) -> str:
        if self.fixed is not None:
            return self.fixed
        frac = min(max((on - self.release) / max(self.latest_at - self.release, 1), 0.0), 1.0)
        if not self.tail:  # e.g. ibm-aix "7.2.5": service packs 0-4
            return f"{self.cycle}.{math.floor(4 * frac)}"
        parts: list[int] = []
        scaled = at_top = False
        for n in self.tail:  # scale the first non-zero part: 17.0.20 -> 17.0.x, 20.20.2 -> 20.x.y
            if scaled:  # parts after it: as in ``latest`` at the top, else a small stable number
                parts.append(n if at_top else (salt + parts[-1]) % min(n + 1, 4))
            elif n == 0:
                parts.append(0)
            else:
                scaled, level = True, math.floor(n * frac)
                at_top = level == n
                parts.append(level)
        return ".".join([self.cycle, *map(str, parts)])


def _cycles() -> dict[str, list[_Cycle]]:
    cat = parse_products_dir(catalog_dir(), _POOLS)
    pools: dict[str, list[_Cycle]] = {}
    for r in cat.sort("product", "release_date", "release_cycle").iter_rows(named=True):
        p, cyc, latest, rel = r["product"], r["release_cycle"], r["latest"] or "", r["release_date"]
        floor, lts_only = _POOLS[p]
        if rel is None or rel < floor or (lts_only and not r["lts"]):
            continue
        latest_at = (r["latest_release_date"] or rel + timedelta(days=3 * 365)).toordinal()
        fixed, tail = _FIXED_VERSIONS.get((p, cyc)), ()
        if fixed is None and latest.startswith(cyc + ".") and _NUMERIC_TAIL.match(latest[len(cyc) + 1 :]):
            tail = tuple(int(x) for x in latest[len(cyc) + 1 :].split("."))
        elif fixed is None and latest != cyc:
            fixed = cyc  # e.g. windows-server-core "2019" (latest is a build number)
        pools.setdefault(p, []).append(_Cycle(p, cyc, rel.toordinal(), latest_at, tail, fixed))
    return pools


def _plan(pool: list[_Cycle], app: str, product: str) -> list[tuple[int, _Cycle]]:
    """Cycle upgrades of ``product`` in ``app``: [(rollout start, cycle)], first = initial."""
    rng = rng_for("obso-plan", app, product)
    initial = [c for c in pool if c.release <= _INITIAL_BEFORE.toordinal()] or pool[:1]
    weights = np.arange(1, len(initial) + 1, dtype=float) ** 1.5
    current = initial[rng.choice(len(initial), p=weights / weights.sum())]
    plan = [(-(10**9), current)]
    n_up = rng.choice(3, p=(0.25, 0.5, 0.25))
    for when in sorted(rng.integers(_EPOCH + 30, _LAST_PLANNED, size=n_up)):
        newer = [c for c in pool if current.release < c.release <= when - 90]
        if newer:
            current = newer[-1] if len(newer) == 1 or rng.random() < 0.6 else newer[-2]
            plan.append((int(when), current))
    return plan


@dataclass(frozen=True)
class _Component:
    app: str
    host: str
    env: str
    product: str
    starts: tuple[int, ...]  # first day of each stage on this host
    cycles: tuple[_Cycle, ...]
    installed: int
    cadence: int  # patch cadence in days (0 = never patched)
    phase: int
    salt: int
    fixed: str | None = None

    def version(self, day: int) -> str:
        if self.fixed is not None:
            return self.fixed
        k = max(bisect_right(self.starts, day) - 1, 0)
        start = max(self.starts[k], self.installed)
        tick = day - (day - self.phase) % self.cadence if self.cadence else start
        return self.cycles[k].version(max(tick, start) - 30, self.salt)


@lru_cache(maxsize=1)
def _base() -> tuple[tuple[_Component, ...], tuple[str, ...], np.ndarray]:
    """(components, hosts, per-host scan offset in seconds after Paris midnight)."""
    pools, comps, hosts, offsets, placed = _cycles(), [], [], [], []
    for app in APPLICATIONS:
        rng = rng_for("obso-app", app.code)
        stack = {role: str(rng.choice(names, p=w)) for role, (names, w) in _CHOICES.items()}
        if app.criticality in ("critical", "high") and stack["os"] == "ibm-aix" and rng.random() < 0.5:
            stack["os"] = "debian"
        n = int(rng.integers(2, 9))
        envs = ["production", *rng.choice(ENVIRONMENTS, size=n - 1, p=(0.45, 0.2, 0.2, 0.15))]
        envs.sort(key=ENVIRONMENTS.index)
        short, seen = app.code.split("-", 1)[1].lower(), {e: 0 for e in ENVIRONMENTS}
        plans = {}
        for env in envs:
            seen[env] += 1
            host = f"srv-{short}-{_ENV_SHORT[env]}-{seen[env]:02d}"
            role = _ROLES[(seen[env] - 1) % len(_ROLES)]
            hrng = rng_for("obso-host", host)
            hosts.append(host)
            offsets.append(int(hrng.integers(3600, 5 * 3600)))
            products = [stack["os"], "zabbix", stack[role] if role != "web" else "nginx"]
            if role == "app" and stack["app"] in ("tomcat", "red-hat-jboss-eap"):
                products.append("oracle-jdk")
            products += [p for p in _EXTRA.get(app.code, ()) if role in ("app", "batch")]
            lag = _ENV_LAG[env] + int(hrng.integers(0, 21))
            for product in dict.fromkeys(products):
                plan = plans.setdefault(product, _plan(pools[product], app.code, product))
                crng = rng_for("obso-comp", host, product)
                if env == "production" and len(plan) > 1 and crng.random() < 0.15:
                    plan = plan[:-1]  # this host missed the last upgrade
                cadence = int(crng.choice([0, 90, 180, 365], p=(0.15, 0.3, 0.35, 0.2)))
                comps.append(
                    _Component(
                        app.code,
                        host,
                        env,
                        product,
                        tuple(s + lag for s, _ in plan),
                        tuple(c for _, c in plan),
                        plan[0][1].release + int(crng.integers(60, 500)),
                        cadence,
                        int(crng.integers(0, max(cadence, 1))),
                        int(crng.integers(0, 1000)),
                    )
                )
            placed.append((app.code, host, env, role, products))
    for want_role, product, version in _UNMATCHED:  # each on 3 hosts of its role
        fits = [p for p in placed if p[3] == want_role and product not in p[4]]
        for i in sorted(rng_for("obso-unmatched", product).permutation(len(fits))[:3]):
            comps.append(_Component(*fits[i][:3], product, (0,), (), 0, 0, 0, 0, version))
    return tuple(comps), tuple(hosts), np.array(offsets)


def generate_inventory(day: date) -> pl.DataFrame:
    """The discovery scan of ``day`` (RAW_SOFTWARE_INVENTORY columns + ``partition_date``)."""
    comps, hosts, offsets = _base()
    rng = rng_for("obso-scan", day.isoformat())
    present = rng.random(len(hosts)) >= MISSING_RATE
    jitter = rng.integers(-600, 601, size=len(hosts))
    start, _ = day_bounds_utc(day)
    scan_at = {
        h: start + timedelta(seconds=int(o + j)) for h, o, j, ok in zip(hosts, offsets, jitter, present) if ok
    }
    ordinal = day.toordinal()
    rows = [
        (c.app, c.host, c.env, c.product, c.version(ordinal), scan_at[c.host])
        for c in comps
        if c.host in scan_at
    ]
    frame = pl.DataFrame(rows, schema=RAW_SOFTWARE_INVENTORY.columns, orient="row")
    return frame.with_columns(partition_date=pl.lit(day, pl.Date())).sort("application", "host", "product")
