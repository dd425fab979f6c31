"""The HTTP service: FastAPI app over ``service.core.Service``.

Run it with ``appops serve`` (port ``APPOPS_SERVICE_PORT``, default 8080; host
``APPOPS_SERVICE_HOST``, default 127.0.0.1). Requests and answers are never logged (a ticket
may hold personal data the redaction missed); only counts and errors are.
"""

from __future__ import annotations

import hmac
import logging
import threading
from contextlib import asynccontextmanager

from fastapi import FastAPI, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

from service.core import Service, Settings

log = logging.getLogger("appops.service")


class Ticket(BaseModel):
    """A new incident with ServiceNow's field names; other fields are accepted and ignored."""

    model_config = ConfigDict(extra="allow")
    number: str | None = Field(None, max_length=64)
    short_description: str = Field(..., min_length=1, max_length=4000)
    description: str | None = Field(None, max_length=64000)
    cmdb_ci: str | None = Field(None, max_length=256)
    caller_id: str | None = Field(None, max_length=256)
    priority: str | int | None = None


class TicketBatch(BaseModel):
    tickets: list[Ticket] = Field(..., min_length=1)


class Question(BaseModel):
    question: str = Field(..., min_length=1, max_length=2000)
    top_k: int = Field(5, ge=1, le=20)


def _field(loc) -> str:
    parts = [str(p) for p in loc if p != "body"]
    return ".".join(parts) or "body"


class Guard:
    """Pure ASGI middleware (no task group around the app, so its errors stay plain).

    API key: when ``api_key`` is set, ``/v1/`` paths need header ``X-API-Key`` or
    ``Authorization: Bearer``, else 401. Body size: a body over ``limit`` bytes gets 413, at
    once when Content-Length says so, else as soon as the bytes read pass the limit (the rest
    is never buffered)."""

    def __init__(self, app, limit: int, api_key: str = ""):
        self.app, self.limit, self.api_key = app, limit, api_key

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        headers = dict(scope.get("headers") or [])
        if self.api_key and scope["path"].startswith("/v1/"):
            given = (
                headers.get(b"x-api-key")
                or headers.get(b"authorization", b"").removeprefix(b"Bearer ").strip()
            )
            if not hmac.compare_digest(given, self.api_key.encode()):
                return await JSONResponse(
                    status_code=401,
                    content={
                        "error": "unauthorized",
                        "field": "X-API-Key",
                        "message": "missing or wrong API key (header X-API-Key or Authorization: Bearer)",
                    },
                )(scope, receive, send)
        length = headers.get(b"content-length")
        if self.limit and length is not None and length.isdigit() and int(length) > self.limit:
            return await self._refuse(scope, receive, send)
        seen = 0

        async def counted():
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if self.limit and seen > self.limit:  # a chunked body without Content-Length
                    raise HTTPException(413, detail=self._message())
            return message

        await self.app(scope, counted, send)

    def _message(self) -> str:
        return f"the request body exceeds {self.limit} bytes"

    async def _refuse(self, scope, receive, send):
        response = JSONResponse(
            status_code=413,
            content={"error": "request body too large", "field": "body", "message": self._message()},
        )
        await response(scope, receive, send)


def create_app(settings: Settings | None = None, service: Service | None = None) -> FastAPI:
    settings = settings or Settings.from_env()
    holder: dict = {"service": service}

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        if holder["service"] is None:
            holder["service"] = Service(settings)
        stop = threading.Event()
        if settings.reload_s > 0:
            holder["service"].holder.watch(settings.reload_s, stop)
        yield
        stop.set()

    app = FastAPI(
        title="appops answers",
        version="1.0",
        description="Ticket triage with similar resolved incidents, and question "
        "answering over technical documents.",
        lifespan=lifespan,
    )

    def svc() -> Service:
        if holder["service"] is None:
            holder["service"] = Service(settings)
        return holder["service"]

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError):
        errors = [{"field": _field(e["loc"]), "message": e["msg"]} for e in exc.errors()]
        first = errors[0] if errors else {"field": "body", "message": "invalid request"}
        return JSONResponse(
            status_code=422,
            content={
                "error": "invalid request",
                "field": first["field"],
                "message": f"{first['field']}: {first['message']}",
                "errors": errors,
            },
        )

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException):
        content = {"error": str(exc.detail), "message": str(exc.detail)}
        if exc.status_code == 413:
            content = {"error": "request body too large", "field": "body", "message": str(exc.detail)}
        return JSONResponse(status_code=exc.status_code, content=content)

    @app.exception_handler(Exception)
    async def crash(request: Request, exc: Exception):
        log.error("request to %s failed: %s", request.url.path, type(exc).__name__)
        return JSONResponse(
            status_code=500, content={"error": "internal error", "message": type(exc).__name__}
        )

    @app.get("/healthz")
    def healthz() -> dict:
        return svc().health()

    @app.post("/v1/tickets/triage")
    def triage_one(ticket: Ticket) -> dict:
        return svc().triage([ticket.model_dump()])[0]

    @app.post("/v1/tickets/triage/batch")
    def triage_batch(batch: TicketBatch) -> dict:
        if len(batch.tickets) > settings.max_batch:
            return JSONResponse(
                status_code=422,
                content={
                    "error": "invalid request",
                    "field": "tickets",
                    "message": f"tickets: at most {settings.max_batch} per request, got {len(batch.tickets)}",
                },
            )
        return {"results": svc().triage([t.model_dump() for t in batch.tickets])}

    @app.post("/v1/ask")
    def ask(question: Question) -> dict:
        return svc().ask(question.question, question.top_k)

    app.add_middleware(Guard, limit=settings.max_body_bytes, api_key=settings.api_key)
    return app
