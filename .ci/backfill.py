"""Launch the demo range into a running Dagster webserver (GraphQL): one run of the
`daily_lakehouse` job over FIRST..LAST, every asset and check, warehouse and BI file included.

    python .ci/backfill.py URL FIRST LAST [--config-json JSON] [--wait]

Why one run of the job: every daily asset has a single-run backfill policy, and the job is how
the project itself runs a range (`weekly_late_data_backfill`, `sensors/schedules.py`): the
`dagster/asset_partition_range_start/end` tags make it one run over the days. An asset backfill
of the partitioned assets left out the dbt models (the staging models are unpartitioned, and the
marts below them were never requested), so the demo built no warehouse, marts or `serving.duckdb`;
its daemon also spent about a minute planning before the run started. The run is queued and
started by the daemon of `dagster dev`, and watched in the UI (Runs, or the asset graph).

Why GraphQL: `dagster asset materialize` is superseded in Dagster 1.13 (its replacement,
`dg launch`, runs the assets in the calling process and needs the dg CLI). Waits for the
webserver and the code location to load first; `--wait` then polls until the run ends and exits
1 unless it succeeded (Ctrl-C or SIGTERM while waiting terminates the run).
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
import time
from datetime import date

import httpx

JOB = "daily_lakehouse"
RANGE_START_TAG = "dagster/asset_partition_range_start"  # resources/calendar.py range_tags
RANGE_END_TAG = "dagster/asset_partition_range_end"
TERMINAL = {"SUCCESS", "FAILURE", "CANCELED"}
LOAD_TIMEOUT_S = 900  # a 2-core machine under load takes minutes to import the code location

LOCATIONS = """{ workspaceOrError { __typename ... on Workspace { locationEntries { name loadStatus
  locationOrLoadError { __typename ... on PythonError { message }
  ... on RepositoryLocation { repositories { name jobs { name } } } } } } } }"""
LAUNCH = """mutation($p: ExecutionParams!) { launchRun(executionParams: $p) { __typename
  ... on LaunchRunSuccess { run { runId } }
  ... on RunConfigValidationInvalid { errors { message } }
  ... on PythonError { message } ... on Error { message } } }"""
STATUS = """query($id: ID!) { runOrError(runId: $id) { __typename ... on Run { status }
  ... on PythonError { message } ... on RunNotFoundError { message } } }"""
TERMINATE = """mutation($id: String!) { terminateRun(runId: $id) { __typename
  ... on TerminateRunFailure { message } ... on PythonError { message } } }"""


def graphql(client: httpx.Client, url: str, query: str, variables: dict | None = None) -> dict:
    reply = client.post(f"{url}/graphql", json={"query": query, "variables": variables or {}})
    reply.raise_for_status()
    body = reply.json()
    if body.get("errors"):
        raise RuntimeError(f"GraphQL error from {url}: {body['errors']}")
    return body["data"]


def wait_until_loaded(client: httpx.Client, url: str) -> tuple[str, str]:
    """The webserver answers and every code location has loaded (or say why not); returns the
    (location, repository) that holds the job."""
    deadline = time.monotonic() + LOAD_TIMEOUT_S
    while True:
        try:
            entries = graphql(client, url, LOCATIONS)["workspaceOrError"].get("locationEntries")
            if entries and all(e["loadStatus"] == "LOADED" for e in entries):
                errors = [
                    f"{e['name']}: {e['locationOrLoadError']['message']}"
                    for e in entries
                    if (e["locationOrLoadError"] or {}).get("__typename") == "PythonError"
                ]
                if errors:
                    raise SystemExit("code location failed to load:\n" + "\n".join(errors))
                for entry in entries:
                    for repo in (entry["locationOrLoadError"] or {}).get("repositories", []):
                        if any(job["name"] == JOB for job in repo["jobs"]):
                            return entry["name"], repo["name"]
                raise SystemExit(f"no code location defines the job {JOB}")
        except (httpx.TransportError, httpx.HTTPStatusError):
            pass  # not listening yet
        if time.monotonic() > deadline:
            raise SystemExit(f"{url} did not load the code location in {LOAD_TIMEOUT_S} s")
        time.sleep(2)


def launch(
    client: httpx.Client, url: str, where: tuple[str, str], first: date, last: date, config: dict | None
) -> str:
    params = {
        "selector": {"repositoryLocationName": where[0], "repositoryName": where[1], "jobName": JOB},
        "runConfigData": config or {},
        "executionMetadata": {
            "tags": [
                {"key": RANGE_START_TAG, "value": first.isoformat()},
                {"key": RANGE_END_TAG, "value": last.isoformat()},
                {"key": "demo", "value": f"{first}...{last}"},
            ]
        },
    }
    result = graphql(client, url, LAUNCH, {"p": params})["launchRun"]
    if result["__typename"] != "LaunchRunSuccess":
        why = result.get("message") or "; ".join(e["message"] for e in result.get("errors", []))
        raise SystemExit(f"run not launched ({result['__typename']}): {why}")
    return result["run"]["runId"]


def wait_for(client: httpx.Client, url: str, run_id: str) -> bool:
    started, last_print = time.monotonic(), 0.0
    while True:
        state = graphql(client, url, STATUS, {"id": run_id})["runOrError"]
        if state["__typename"] != "Run":
            raise SystemExit(f"run {run_id}: {state.get('message')}")
        elapsed = time.monotonic() - started
        if state["status"] in TERMINAL:
            print(f"run {run_id[:8]}: {state['status']} after {elapsed:.0f} s", flush=True)
            return state["status"] == "SUCCESS"
        if elapsed - last_print >= 60:
            print(f"run {run_id[:8]}: {state['status']}, {elapsed:.0f} s", flush=True)
            last_print = elapsed
        time.sleep(5)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("url")
    parser.add_argument("first", type=date.fromisoformat)
    parser.add_argument("last", type=date.fromisoformat)
    parser.add_argument("--config-json", type=json.loads, default=None)
    parser.add_argument("--wait", action="store_true")
    args = parser.parse_args()
    url = args.url.rstrip("/")
    with httpx.Client(timeout=120) as client:
        where = wait_until_loaded(client, url)
        run_id = launch(client, url, where, args.first, args.last, args.config_json)
        print(
            f"Run of {JOB} over {args.first}...{args.last} launched: {url}/runs/{run_id}"
            f" (the asset graph: {url}/asset-groups)",
            flush=True,
        )
        if args.wait:
            # Stopped while waiting (Ctrl-C, or SIGTERM from a script): terminate the run rather
            # than leave it running without a UI.
            signal.signal(signal.SIGTERM, signal.default_int_handler)
            try:
                sys.exit(0 if wait_for(client, url, run_id) else 1)
            except KeyboardInterrupt:
                result = graphql(client, url, TERMINATE, {"id": run_id})["terminateRun"]
                print(f"run {run_id[:8]} terminated: {result['__typename']}", flush=True)
                sys.exit(130)


if __name__ == "__main__":
    main()
