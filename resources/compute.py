"""Where the heavy per-item loops run (per-series forecast fits, embedding batches): one call,
``parallel_map(fn, items)``, whatever the engine.

- ``local`` (the default): in this process, or a process pool of ``workers`` when the caller
  asks for one. On the demo's two cores this is the fastest: a Dask cluster would add worker
  start-up (each worker imports torch/darts again) and pickling, and has no cores to add.
- ``dask``: ``dask.distributed``. ``APPOPS_DASK_SCHEDULER=tcp://host:8786`` uses an existing
  cluster (its workers run the same image as the code location); ``APPOPS_COMPUTE=dask``
  without it starts a ``LocalCluster`` of ``APPOPS_DASK_WORKERS`` processes (default 2, one
  thread each) once per process, closed at exit.

``fn`` must be importable by name (a module-level function) and ``items`` picklable; results
come back in the order of ``items``, as from ``map``.
"""

from __future__ import annotations

import atexit
import json
import multiprocessing
import os
from collections.abc import Callable, Iterable
from concurrent.futures import ProcessPoolExecutor
from typing import Any, TypeVar

T = TypeVar("T")
R = TypeVar("R")

_CLIENT: dict[str, Any] = {}


def engine() -> str:
    """``dask`` when a scheduler is named or ``APPOPS_COMPUTE=dask``, else ``local``."""
    chosen = os.environ.get("APPOPS_COMPUTE") or (
        "dask" if os.environ.get("APPOPS_DASK_SCHEDULER") else "local"
    )
    if chosen not in ("local", "dask"):
        raise ValueError(f"APPOPS_COMPUTE={chosen!r}: expected local or dask")
    return chosen


def dask_client():
    """The process's Dask client: the named scheduler, or a LocalCluster started once."""
    address = os.environ.get("APPOPS_DASK_SCHEDULER") or "local"
    client = _CLIENT.get(address)
    if client is not None and client.status == "running":
        return client
    from dask.distributed import Client, LocalCluster  # heavy: only when Dask is used

    if address == "local":
        cluster = LocalCluster(
            n_workers=int(os.environ.get("APPOPS_DASK_WORKERS", "2")),
            threads_per_worker=1,
            processes=True,
            dashboard_address=None,
        )
        client = Client(cluster)
        atexit.register(lambda: (client.close(), cluster.close()))
    else:
        client = Client(address)
        atexit.register(client.close)
    _CLIENT[address] = client
    return client


def close() -> None:
    """Close the clients (and local clusters) this process started."""
    for client in _CLIENT.values():
        cluster = client.cluster
        client.close()
        if cluster is not None:
            cluster.close()
    _CLIENT.clear()


def parallel_map(
    fn: Callable[[T], R],
    items: Iterable[T],
    workers: int = 1,
    done: Callable[[], None] | None = None,
    start_method: str | None = None,
) -> list[R]:
    """``[fn(x) for x in items]``, on Dask when it is the engine, else in a pool of ``workers``
    processes (``workers > 1``) or in this process. ``done`` is called once per finished item
    (in order; progress lines of long loops). ``start_method``: the pool's (default: fork);
    ``"forkserver"`` for a ``fn`` that uses polars, whose thread pool a forked child can
    inherit locked (seen: a reconciliation pool that never returned)."""
    items = list(items)
    if not items:
        return []
    if engine() == "dask":
        from distributed import as_completed

        client = dask_client()
        futures = client.map(fn, items, pure=False)
        for _ in as_completed(futures) if done else ():
            done()
        return client.gather(futures)
    if workers > 1 and len(items) > 1:
        context = multiprocessing.get_context(start_method) if start_method else None
        with ProcessPoolExecutor(workers, mp_context=context) as pool:
            return _counted(pool.map(fn, items, chunksize=max(1, len(items) // (4 * workers))), done)
    return _counted(map(fn, items), done)


def _counted(results: Iterable[R], done: Callable[[], None] | None) -> list[R]:
    out = []
    for result in results:
        out.append(result)
        if done:
            done()
    return out


# On Kubernetes every step is a pod (``APPOPS_EXECUTOR=k8s``): the heavy steps ask for more.
# The one declaration of those requests, keyed by op name (an asset's op is named after it).
# Each heavy asset carries it as its ``dagster-k8s/config`` op tag (``k8s_op_tags``), which
# dagster-k8s's ``k8s_job_executor`` reads when it builds the step's Job; other executors
# ignore the tag.
_HEAVY = {"requests": {"cpu": "2", "memory": "4Gi"}, "limits": {"memory": "8Gi"}}
_MEDIUM = {"requests": {"cpu": "1", "memory": "2Gi"}, "limits": {"memory": "4Gi"}}
K8S_HEAVY_STEPS: dict[str, dict] = {
    "forecast_models": {"container_config": {"resources": _HEAVY}},
    "ticket_classifier": {"container_config": {"resources": _HEAVY}},
    "verbatim_sentiment": {"container_config": {"resources": _HEAVY}},
    "ticket_embeddings": {"container_config": {"resources": _MEDIUM}},
    "document_index": {"container_config": {"resources": _MEDIUM}},
    "root_cause_clusters": {"container_config": {"resources": _MEDIUM}},
    "verbatim_topics": {"container_config": {"resources": _MEDIUM}},
}
K8S_CONFIG_TAG = "dagster-k8s/config"


# Which ready step starts first when both slots are busy (Dagster's ``dagster/priority`` op tag,
# higher first; a check op takes its asset's). Longest chains first: on two cores, a backfill
# that starts with the short steps (document indexes, drift checks) leaves the longest chain
# (incidents -> classifier -> predictions -> warehouse) to run alone at the end. Drift checks,
# which nothing waits on, go last.
PRIORITY_TAG = "dagster/priority"
STEP_PRIORITY: dict[str, int] = {
    "raw_incidents": 3,
    "ticket_classifier": 3,
    "raw_metrics": 2,
    "metric_series": 2,
    "forecast_models": 2,
    "raw_verbatims": 2,
    "verbatim_sentiment": 2,
    "verbatim_topics": 1,
    "ticket_embeddings": 1,
}
DRIFT_CHECK_PRIORITY = -1


def priority_tags(op_name: str) -> dict[str, str]:
    """``{"dagster/priority": …}`` for a step listed in ``STEP_PRIORITY``, else nothing."""
    return {PRIORITY_TAG: str(STEP_PRIORITY[op_name])} if op_name in STEP_PRIORITY else {}


def step_tags(op_name: str) -> dict[str, str]:
    """Every op tag a step gets from this module: its priority and, for a heavy step, its
    Kubernetes requests."""
    heavy = k8s_op_tags(op_name) if op_name in K8S_HEAVY_STEPS else {}
    return {**priority_tags(op_name), **heavy}


def k8s_op_tags(op_name: str) -> dict[str, str]:
    """The op tags of a heavy step: ``{"dagster-k8s/config": <its entry above, as JSON>}``.
    A KeyError for a name not declared above, so a typo cannot silently drop the requests."""
    return {K8S_CONFIG_TAG: json.dumps(K8S_HEAVY_STEPS[op_name], sort_keys=True)}


def k8s_executor(max_concurrent: int = 8):
    """dagster-k8s's ``k8s_job_executor``: one Kubernetes Job per step, sized by the step's
    ``dagster-k8s/config`` op tag; the image, secrets and env come from the run launcher."""
    from dagster_k8s import k8s_job_executor

    return k8s_job_executor.configured({"max_concurrent": max_concurrent})
