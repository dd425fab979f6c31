"""Launch a partition backfill of every asset into a running Dagster webserver (GraphQL).

    python .ci/backfill.py URL FIRST LAST [--config-json JSON] [--wait]

Why GraphQL: `dagster asset materialize` is superseded in Dagster 1.13 (its replacement,
`dg launch`, runs the assets in the calling process and needs the dg CLI). A backfill launched
through the webserver is queued, started by the daemon of `dagster dev` and shown in the UI
(Overview -> Backfills) while it runs, which is what a first-time user should see. Waits for
the webserver and the code location to load first; `--wait` then polls until the backfill ends
and exits 1 unless every run of it succeeded.
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
import time
from datetime import date, timedelta

import httpx

TERMINAL = {"COMPLETED", "COMPLETED_SUCCESS", "COMPLETED_FAILED", "FAILED", "CANCELED"}
LOAD_TIMEOUT_S = 900  # a 2-core machine under load takes minutes to import the code location

LOCATIONS = """{ workspaceOrError { __typename ... on Workspace { locationEntries { name loadStatus
  locationOrLoadError { __typename ... on PythonError { message } } } } } }"""
ASSETS = "{ assetNodes { assetKey { path } isPartitioned } }"
LAUNCH = """mutation($p: LaunchBackfillParams!) { launchPartitionBackfill(backfillParams: $p) {
  __typename ... on LaunchBackfillSuccess { backfillId } ... on Error { message } } }"""
CANCEL = """mutation($id: String!) { cancelPartitionBackfill(backfillId: $id) { __typename
  ... on Error { message } } }"""
STATUS = """query($id: String!) { partitionBackfillOrError(backfillId: $id) { __typename
  ... on PartitionBackfill { status runs(limit: 100) { id status } } ... on Error { message } } }"""


def graphql(client: httpx.Client, url: str, query: str, variables: dict | None = None) -> dict:
    reply = client.post(f"{url}/graphql", json={"query": query, "variables": variables or {}})
    reply.raise_for_status()
    body = reply.json()
    if body.get("errors"):
        raise RuntimeError(f"GraphQL error from {url}: {body['errors']}")
    return body["data"]


def wait_until_loaded(client: httpx.Client, url: str) -> None:
    """The webserver answers, and every code location has loaded (or say why not)."""
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
                return
        except (httpx.TransportError, httpx.HTTPStatusError):
            pass  # not listening yet
        if time.monotonic() > deadline:
            raise SystemExit(f"{url} did not load the code location in {LOAD_TIMEOUT_S} s")
        time.sleep(2)


def launch(client: httpx.Client, url: str, first: date, last: date, config: dict | None) -> str:
    nodes = graphql(client, url, ASSETS)["assetNodes"]
    keys = [{"path": n["assetKey"]["path"]} for n in nodes if n["isPartitioned"]]
    days = [(first + timedelta(days=i)).isoformat() for i in range((last - first).days + 1)]
    params = {
        "assetSelection": keys,
        "partitionNames": days,
        "title": f"demo {first}...{last}",
        "description": "Every asset over the demo range (bash .ci/demo).",
    }
    if config:
        params["runConfigData"] = config
    result = graphql(client, url, LAUNCH, {"p": params})["launchPartitionBackfill"]
    if result["__typename"] != "LaunchBackfillSuccess":
        raise SystemExit(f"backfill not launched ({result['__typename']}): {result.get('message')}")
    return result["backfillId"]


def wait_for(client: httpx.Client, url: str, backfill_id: str) -> bool:
    started, last_print = time.monotonic(), 0.0
    while True:
        state = graphql(client, url, STATUS, {"id": backfill_id})["partitionBackfillOrError"]
        if state["__typename"] != "PartitionBackfill":
            raise SystemExit(f"backfill {backfill_id}: {state.get('message')}")
        runs = state["runs"]
        elapsed = time.monotonic() - started
        if state["status"] in TERMINAL and all(
            r["status"] in ("SUCCESS", "FAILURE", "CANCELED") for r in runs
        ):
            ok = (
                state["status"] in ("COMPLETED", "COMPLETED_SUCCESS")
                and runs
                and all(r["status"] == "SUCCESS" for r in runs)
            )
            print(
                f"backfill {backfill_id}: {state['status']} after {elapsed:.0f} s, runs: "
                + ", ".join(f"{r['id'][:8]} {r['status']}" for r in runs),
                flush=True,
            )
            return bool(ok)
        if elapsed - last_print >= 60:
            print(
                f"backfill {backfill_id}: {state['status']}, {elapsed:.0f} s, runs: "
                + (", ".join(f"{r['id'][:8]} {r['status']}" for r in runs) or "none yet"),
                flush=True,
            )
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
        wait_until_loaded(client, url)
        backfill_id = launch(client, url, args.first, args.last, args.config_json)
        print(
            f"Backfill {args.first}...{args.last} launched: {url}/runs/b/{backfill_id}"
            f" (the asset graph: {url}/asset-groups)",
            flush=True,
        )
        if args.wait:
            # Stopped while waiting (Ctrl-C, or SIGTERM from a script): cancel the backfill so
            # its run is terminated rather than left running without a UI.
            signal.signal(signal.SIGTERM, signal.default_int_handler)
            try:
                sys.exit(0 if wait_for(client, url, backfill_id) else 1)
            except KeyboardInterrupt:
                result = graphql(client, url, CANCEL, {"id": backfill_id})["cancelPartitionBackfill"]
                print(f"backfill {backfill_id} cancelled: {result['__typename']}", flush=True)
                sys.exit(130)


if __name__ == "__main__":
    main()
