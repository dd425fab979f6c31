"""A small ServiceNow Table API client: time-window queries, offset paging, retries, no secret leaks.

Times sent to and read from ServiceNow are UTC in its internal format ``YYYY-MM-DD HH:MM:SS``
(``sysparm_display_value=false``). Encoded-query date literals are interpreted by ServiceNow in
the time zone of the API user: the integration account must have its time zone set to GMT/UTC.
"""

from __future__ import annotations

import base64
import logging
import random
import time
from collections.abc import Callable
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

import requests

logger = logging.getLogger(__name__)

SN_FORMAT = "%Y-%m-%d %H:%M:%S"
MAX_RETRY_AFTER = 300.0


class ServiceNowError(RuntimeError):
    """A ServiceNow call failed (HTTP status or transport), after retries when retryable."""

    def __init__(self, message: str, url: str, status: int | None = None):
        super().__init__(message)
        self.url = url
        self.status = status


class _RetryableBody(Exception):
    """A 2xx response whose body is not the JSON page (truncated, HTML): worth a retry."""


class ServiceNowAuthError(ServiceNowError):
    """401/403: the credentials were refused (never retried)."""


def to_sn_time(ts: datetime) -> str:
    """An instant as ServiceNow's GMT literal; naive datetimes are taken as UTC."""
    if ts.tzinfo is None:
        ts = ts.replace(tzinfo=UTC)
    return ts.astimezone(UTC).strftime(SN_FORMAT)


def parse_sn_time(text: str) -> datetime:
    return datetime.strptime(text, SN_FORMAT).replace(tzinfo=UTC)


def flatten(value: Any) -> str | None:
    """A field value as text: reference dicts give their ``value`` (else ``display_value``)."""
    if value is None:
        return None
    if isinstance(value, dict):
        for key in ("value", "display_value"):
            if key in value:
                return flatten(value[key])
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


class ServiceNowClient:
    """GET records of one table, paged with ``sysparm_limit``/``sysparm_offset``.

    ``max_retries`` is the number of retries after the first attempt (429, 5xx, connection
    errors and timeouts); other 4xx fail at once. Credentials never appear in logs or errors.
    """

    def __init__(
        self,
        instance_url: str,
        username: str | None = None,
        password: str | None = None,
        token: str | None = None,
        table: str = "incident",
        page_size: int = 1000,
        timeout: float = 30,
        max_retries: int = 5,
        backoff_seconds: float = 1.0,
        sleep: Callable[[float], None] = time.sleep,
        rng: random.Random | None = None,
    ):
        if token and (username or password):
            raise ValueError("ServiceNow auth: give either username/password or a token, not both")
        if not token and not (username and password):
            raise ValueError("ServiceNow auth: a username and a password, or a token, are required")
        if page_size < 1 or max_retries < 0:
            raise ValueError("page_size must be >= 1 and max_retries >= 0")
        self.instance_url = instance_url.rstrip("/")
        self.table = table
        self.page_size = page_size
        self.timeout = timeout
        self.max_retries = max_retries
        self.backoff_seconds = backoff_seconds
        self.sleep = sleep
        self.rng = rng or random.Random()
        self.requests_made = 0
        self._secrets = [s for s in (password, token) if s]
        if username and password:  # the Basic header value, should a server echo it back
            for encoding in ("latin1", "utf-8"):
                try:
                    raw = f"{username}:{password}".encode(encoding)
                except UnicodeEncodeError:
                    continue
                self._secrets.append(base64.b64encode(raw).decode())
        self.session = requests.Session()
        self.session.headers["Accept"] = "application/json"
        if token:
            self.session.headers["Authorization"] = f"Bearer {token}"
        else:
            self.session.auth = (username, password)

    def __repr__(self) -> str:  # never the credentials
        return f"ServiceNowClient({self.instance_url!r}, table={self.table!r})"

    @property
    def url(self) -> str:
        return f"{self.instance_url}/api/now/table/{self.table}"

    # -- queries ------------------------------------------------------------------------------
    def fetch_updated(
        self, start_utc: datetime, end_utc: datetime, fields: list[str] | None = None
    ) -> list[dict[str, str | None]]:
        """Records with ``start_utc <= sys_updated_on < end_utc``, ordered, each exactly once."""
        return self.fetch_query(
            f"sys_updated_on>={to_sn_time(start_utc)}^sys_updated_on<{to_sn_time(end_utc)}", fields
        )

    def fetch_updated_after(
        self, ts: datetime, fields: list[str] | None = None
    ) -> list[dict[str, str | None]]:
        """Records with ``sys_updated_on > ts`` (second precision, as ServiceNow stores it)."""
        return self.fetch_query(f"sys_updated_on>{to_sn_time(ts)}", fields)

    def fetch_query(self, query: str, fields: list[str] | None = None) -> list[dict[str, str | None]]:
        """All pages of an encoded query, ordered by (sys_updated_on, sys_id) so offsets are stable.

        An incident updated while we page moves to the end of the order (or out of the window)
        and shifts the offsets: a record would be skipped or seen twice. Such a shift shows as a
        repeated ``sys_id`` or a changing ``X-Total-Count``; the listing is then started again.
        """
        params: dict[str, str] = {
            "sysparm_query": f"{query}^ORDERBYsys_updated_on^ORDERBYsys_id",
            "sysparm_limit": str(self.page_size),
            "sysparm_display_value": "false",
            "sysparm_exclude_reference_link": "true",
        }
        if fields:
            params["sysparm_fields"] = ",".join(dict.fromkeys([*fields, "sys_id"]))
        for attempt in range(self.max_retries + 1):
            records, stable = self._list(params)
            if stable:
                break
            if attempt == self.max_retries:
                raise ServiceNowError(
                    f"ServiceNow GET {self.url}: the records kept changing while"
                    f" paging ({attempt + 1} listings)",
                    self.url,
                )
            logger.warning(
                "ServiceNow GET %s: records changed while paging, listing again (%d/%d)",
                self.url,
                attempt + 1,
                self.max_retries,
            )
        if fields and "sys_id" not in fields:
            for record in records:
                record.pop("sys_id", None)
        return records

    def _list(self, params: dict[str, str]) -> tuple[list[dict[str, str | None]], bool]:
        """One pass over the pages; False when the result set visibly changed meanwhile.

        ACLs filter a page after ``sysparm_limit`` is applied: a page can be short, even empty,
        while more records follow. So the offset advances by the page size, and paging ends
        when the offset reaches ``X-Total-Count`` or, without that header, at an empty page.
        ``page_size`` must not exceed the instance's maximum (``glide.json.return_limit``).
        """
        records: list[dict[str, str | None]] = []
        seen: set[str] = set()
        totals: set[str] = set()
        stable, offset = True, 0
        while True:
            page, total = self._page({**params, "sysparm_offset": str(offset)})
            for raw in page:
                record = {k: flatten(v) for k, v in raw.items()}
                sys_id = record.get("sys_id")
                if sys_id in seen:
                    stable = False
                    continue
                if sys_id:
                    seen.add(sys_id)
                records.append(record)
            offset += self.page_size
            if total is not None:
                totals.add(str(total))
                if offset >= total:
                    break
            elif not page:
                break
        return records, stable and len(totals) <= 1

    # -- transport ----------------------------------------------------------------------------
    def _page(self, params: dict[str, str]) -> tuple[list[dict[str, Any]], int | None]:
        """One page's records and ``X-Total-Count``; a truncated or non-JSON body is retried
        like a connection reset, then fails as ``ServiceNowError``."""
        attempts = self.max_retries + 1
        for attempt in range(attempts):
            response = self._get(params)
            try:
                result = self._result(response)
            except _RetryableBody as exc:
                if attempt + 1 == attempts:
                    raise ServiceNowError(
                        f"ServiceNow GET {self.url} failed after {attempts} attempts: {exc}",
                        self.url,
                        response.status_code,
                    ) from None
                delay = self._delay(attempt, None)
                logger.warning(
                    "ServiceNow GET %s: %s, retry %d/%d in %.1fs",
                    self.url,
                    exc,
                    attempt + 1,
                    self.max_retries,
                    delay,
                )
                self.sleep(delay)
                continue
            total = response.headers.get("X-Total-Count", "").strip()
            return result, int(total) if total.isdigit() else None
        raise AssertionError("unreachable")

    def _result(self, response: requests.Response) -> list[dict[str, Any]]:
        kind = response.headers.get("Content-Type", "")
        if "html" in kind.lower() or response.text.lstrip()[:1] == "<":
            raise _RetryableBody(
                "an HTML page instead of JSON (instance hibernating, or a login or maintenance page)"
            )
        try:
            body = response.json()
        except ValueError:
            raise _RetryableBody(
                f"a body that is not complete JSON ({len(response.content)} bytes)"
            ) from None
        result = body.get("result") if isinstance(body, dict) else None
        if not isinstance(result, list):
            raise ServiceNowError(
                f"ServiceNow GET {self.url}: unexpected response body (no JSON 'result' list)",
                self.url,
                response.status_code,
            )
        bad = [i for i, item in enumerate(result) if not isinstance(item, dict)]
        if bad:
            raise ServiceNowError(
                f"ServiceNow GET {self.url}: {len(bad)} item(s) of 'result' are"
                f" not objects (first at index {bad[0]}:"
                f" {type(result[bad[0]]).__name__})",
                self.url,
                response.status_code,
            )
        return result

    def _get(self, params: dict[str, str]) -> requests.Response:
        attempts = self.max_retries + 1
        for attempt in range(attempts):
            self.requests_made += 1
            try:
                response = self.session.get(self.url, params=params, timeout=self.timeout)
            except (
                requests.ConnectionError,
                requests.Timeout,
                requests.exceptions.ChunkedEncodingError,
                requests.exceptions.ContentDecodingError,
            ) as exc:  # a reset mid-body too
                problem, status, retry_after = f"{type(exc).__name__}", None, None
            except requests.RequestException as exc:  # anything else: wrapped, never raw
                raise ServiceNowError(
                    f"ServiceNow GET {self.url} failed: {type(exc).__name__}", self.url
                ) from None
            else:
                status = response.status_code
                if status < 400:
                    return response
                if status in (401, 403):
                    raise ServiceNowAuthError(
                        f"ServiceNow authentication failed: GET {self.url} returned HTTP {status}"
                        f" ({self._detail(response)}); check the integration account's"
                        " credentials and roles",
                        self.url,
                        status,
                    )
                if status != 429 and status < 500:
                    raise ServiceNowError(
                        f"ServiceNow GET {self.url} failed: HTTP {status} ({self._detail(response)})",
                        self.url,
                        status,
                    )
                problem = f"HTTP {status}"
                retry_after = response.headers.get("Retry-After") if status == 429 else None
            if attempt + 1 == attempts:
                raise ServiceNowError(
                    f"ServiceNow GET {self.url} failed after {attempts} attempts: {self._redact(problem)}",
                    self.url,
                    status,
                )
            delay = self._delay(attempt, retry_after)
            logger.warning(
                "ServiceNow GET %s: %s, retry %d/%d in %.1fs",
                self.url,
                self._redact(problem),
                attempt + 1,
                self.max_retries,
                delay,
            )
            self.sleep(delay)
        raise AssertionError("unreachable")

    def _delay(self, attempt: int, retry_after: str | None) -> float:
        if retry_after is not None:
            try:
                seconds = float(retry_after)
            except ValueError:
                try:
                    when = parsedate_to_datetime(retry_after)
                    seconds = (when - datetime.now(UTC)).total_seconds()
                except (TypeError, ValueError):
                    seconds = None
            if seconds is not None:
                return min(max(seconds, 0.0), MAX_RETRY_AFTER)
        base = self.backoff_seconds * (2**attempt)
        return base + self.rng.uniform(0, self.backoff_seconds)

    def _detail(self, response: requests.Response) -> str:
        """ServiceNow's own error message (``{"error": {"message": ...}}``), redacted, short."""
        try:
            message = str(response.json()["error"]["message"])
        except (ValueError, KeyError, TypeError):
            message = response.reason or "no detail"
        return self._redact(message)[:200]

    def _redact(self, text: str) -> str:
        for secret in self._secrets:
            text = text.replace(secret, "***")
        return text
