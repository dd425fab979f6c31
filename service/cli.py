"""``appops``: the service's functions from a shell.

    appops serve                      # the HTTP service (APPOPS_SERVICE_HOST/PORT)
    appops ask "When does Python 3.9 reach end of life?" [--top-k 5]
    appops triage ticket.json         # one ticket, a list of tickets or {"tickets": [...]}

Answers are printed as JSON on stdout; errors go to stderr with exit status 2.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path


def _tickets(path: str) -> list[dict]:
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise SystemExit(f"appops triage: cannot read {path}: {error}") from error
    tickets = data.get("tickets", data) if isinstance(data, dict) else data
    tickets = [tickets] if isinstance(tickets, dict) else tickets
    if not isinstance(tickets, list) or not tickets:
        raise SystemExit(f'appops triage: {path}: expected a ticket, a list or {{"tickets": [...]}}')
    for i, ticket in enumerate(tickets):
        if not isinstance(ticket, dict) or not str(ticket.get("short_description") or "").strip():
            raise SystemExit(f"appops triage: {path}: ticket {i}: field short_description is required")
    return tickets


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="appops", description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="run the HTTP service")
    serve.add_argument("--host", default=os.environ.get("APPOPS_SERVICE_HOST", "127.0.0.1"))
    serve.add_argument("--port", type=int, default=int(os.environ.get("APPOPS_SERVICE_PORT", "8080")))
    ask = sub.add_parser("ask", help="answer a question from the documents")
    ask.add_argument("question")
    ask.add_argument("--top-k", type=int, default=5)
    tri = sub.add_parser("triage", help="triage the tickets of a JSON file")
    tri.add_argument("file")
    args = parser.parse_args(argv)

    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    if args.command == "serve":
        import uvicorn

        from service.app import create_app

        uvicorn.run(create_app(), host=args.host, port=args.port, log_level="info")
        return 0
    from service.core import Service, Settings

    if args.command == "triage":
        tickets = _tickets(args.file)
        settings = Settings.from_env()
        settings.reload_s = 0
        result = Service(settings).triage(tickets)
    else:
        if not args.question.strip():
            print("appops ask: the question is empty", file=sys.stderr)
            return 2
        result = Service(Settings.from_env()).ask(args.question, args.top_k)
    json.dump(result, sys.stdout, ensure_ascii=False, indent=2, default=str)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
