"""The sample vehicle API over HTTP: a threaded standard-library server, startable in-process."""

from __future__ import annotations

import json
import logging
import math
import sys
import threading
import time
from collections import deque
from dataclasses import dataclass
from datetime import UTC, date, datetime
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any
from urllib.parse import parse_qs, urlsplit

from local.sources.vehicle_api.auth import TokenStore
from local.sources.vehicle_api.config import ApiConfig, Fault, FaultPlan
from local.sources.vehicle_api.data import ENDPOINTS, expected_records, records_between
from local.sources.vehicle_api.rate_limit import TokenBucket

log = logging.getLogger(__name__)

MAX_PAGE_SIZE = 50_000
_PATHS = {f"/v1/{endpoint}": endpoint for endpoint in ENDPOINTS}


class BadRequest(Exception):
    def __init__(self, error: str, detail: str) -> None:
        super().__init__(detail)
        self.error = error
        self.detail = detail


@dataclass(frozen=True)
class PageQuery:
    endpoint: str
    start: datetime
    end: datetime
    page: int
    page_size: int


@dataclass(frozen=True)
class Served:
    """One request as the server answered it (tests count retries and refreshes with these)."""

    method: str
    path: str
    status: int
    page: int | None = None


def _timestamp(name: str, value: str) -> datetime:
    try:
        moment = datetime.fromisoformat(value)
    except ValueError as err:
        raise BadRequest("invalid_parameter", f"{name} is not an ISO-8601 date-time: {value!r}") from err
    # timeZone=UTC is the only zone served, so a value without offset is UTC.
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _positive_int(name: str, value: str, high: int | None = None) -> int:
    if not value.isdigit() or int(value) < 1 or (high is not None and int(value) > high):
        bounds = f"1..{high}" if high else ">= 1"
        raise BadRequest("invalid_parameter", f"{name} must be an integer {bounds}, got {value!r}")
    return int(value)


def parse_page_query(endpoint: str, query: dict[str, list[str]], max_range_days: int) -> PageQuery:
    def one(name: str, required: bool = True) -> str | None:
        values = query.get(name, [])
        if len(values) > 1:
            raise BadRequest("invalid_parameter", f"{name} given {len(values)} times")
        if not values and required:
            raise BadRequest("missing_parameter", f"{name} is required")
        return values[0] if values else None

    known = {"fromCreationDate", "toCreationDate", "timeZone", "page", "pageSize"}
    unknown = sorted(set(query) - known)
    if unknown:
        raise BadRequest("invalid_parameter", f"unknown parameter(s): {', '.join(unknown)}")
    zone = one("timeZone", required=False)
    if zone not in (None, "UTC"):
        raise BadRequest("invalid_parameter", f"timeZone must be UTC, got {zone!r}")
    start = _timestamp("fromCreationDate", one("fromCreationDate") or "")
    end = _timestamp("toCreationDate", one("toCreationDate") or "")
    if end <= start:
        raise BadRequest("invalid_parameter", "toCreationDate must be after fromCreationDate")
    if (end - start).total_seconds() > max_range_days * 86400:
        raise BadRequest("invalid_parameter", f"the date range may span at most {max_range_days} days")
    page = _positive_int("page", one("page") or "")
    page_size = _positive_int("pageSize", one("pageSize") or "", MAX_PAGE_SIZE)
    return PageQuery(endpoint, start, end, page, page_size)


def _malformed(mode: str, body: dict[str, Any]) -> bytes:
    """A 200 answer that must not be taken for a page."""
    if mode == "bad_json":
        return json.dumps(body).encode()[: max(10, len(json.dumps(body)) // 2)]
    if mode == "missing_field":
        body = {k: v for k, v in body.items() if k != "total_records"}
    elif mode == "bad_record" and body["data"]:
        body["data"] = [{**body["data"][0], "vehicle_id": 12345}, *body["data"][1:]]
    elif mode == "short_page" and body["data"]:
        body["data"] = body["data"][:-1]
    elif mode == "wrong_page":
        body["page"] += 1
    else:  # bad_record/short_page on an empty page: a wrong shape instead
        body["data"] = {"unexpected": True}
    return json.dumps(body).encode()


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "SampleVehicleAPI/1"
    # A keep-alive connection left idle this long is closed, so stop() never waits on clients.
    timeout = 30
    api: SampleVehicleApi  # set on the per-server subclass
    _page: int | None = None

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("%s " + format, self.address_string(), *args)

    def _send(self, status: int, body: bytes | dict[str, Any], headers: dict[str, str] | None = None) -> None:
        payload = body if isinstance(body, bytes) else json.dumps(body).encode()
        # Recorded before answering, so a client that got its answer finds its request here.
        self.api._record(Served(self.command, urlsplit(self.path).path, int(status), self._page))
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(payload)

    def _error(self, status: int, error: str, detail: str, headers: dict[str, str] | None = None) -> None:
        self._send(status, {"error": error, "message": detail}, headers)

    def _limited(self) -> bool:
        wait = self.api._bucket.acquire() if self.api._bucket else None
        if wait is None:
            return False
        self._error(HTTPStatus.TOO_MANY_REQUESTS, "rate_limited", "too many requests", {"Retry-After": str(wait)})
        return True

    def do_POST(self) -> None:
        self._page = None
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        if urlsplit(self.path).path != "/oauth/token":
            self._error(HTTPStatus.NOT_FOUND, "not_found", f"no such resource: {self.path}")
            return
        if self._limited():
            return
        form = {k: v[-1] for k, v in parse_qs(raw.decode("utf-8", "replace")).items()}
        config = self.api.config
        if form.get("grant_type") != "client_credentials":
            self._error(HTTPStatus.BAD_REQUEST, "unsupported_grant_type", "grant_type must be client_credentials")
            return
        if form.get("client_id") != config.client_id or form.get("client_secret") != config.client_secret:
            self._error(HTTPStatus.UNAUTHORIZED, "invalid_client", "unknown client or wrong secret")
            return
        token = self.api._tokens.issue()
        self._send(
            HTTPStatus.OK,
            {"access_token": token, "token_type": "Bearer", "expires_in": max(1, math.ceil(config.token_ttl))},
        )

    def do_GET(self) -> None:
        self._page = None
        parts = urlsplit(self.path)
        endpoint = _PATHS.get(parts.path)
        if endpoint is None:
            self._error(HTTPStatus.NOT_FOUND, "not_found", f"no such resource: {parts.path}")
            return
        if self._limited():
            return
        header = self.headers.get("Authorization", "")
        token = header[7:] if header.startswith("Bearer ") else None
        problem = self.api._tokens.check(token)
        if problem:
            self._error(HTTPStatus.UNAUTHORIZED, "invalid_token", problem, {"WWW-Authenticate": "Bearer"})
            return
        try:
            query = parse_page_query(
                endpoint, parse_qs(parts.query, keep_blank_values=True), self.api.config.max_range_days
            )
        except BadRequest as err:
            self._error(HTTPStatus.BAD_REQUEST, err.error, err.detail)
            return
        self._page = query.page
        self.api._count_data_request()
        self._serve_page(query)

    def _serve_page(self, query: PageQuery) -> None:
        config = self.api.config
        records = records_between(query.endpoint, query.start, query.end, config.seed, config.volume)
        total_pages = math.ceil(len(records) / query.page_size)
        if query.page > max(1, total_pages):
            self._error(
                HTTPStatus.BAD_REQUEST, "page_out_of_range", f"page {query.page} is beyond total_pages {total_pages}"
            )
            return
        first = (query.page - 1) * query.page_size
        body = {
            "page": query.page,
            "pageSize": query.page_size,
            "total_pages": total_pages,
            "total_records": len(records),
            "data": records[first : first + query.page_size],
        }
        day = query.start.date().isoformat()
        malformed: Fault | None = None
        for fault in self.api._faults.take(query.endpoint, query.page, day):
            if fault.kind == "error":
                self._error(fault.status, "upstream_error", f"injected fault on page {query.page}")
                return
            if fault.kind == "unauthorized":
                self._error(HTTPStatus.UNAUTHORIZED, "invalid_token", "token expired", {"WWW-Authenticate": "Bearer"})
                return
            if fault.kind == "slow":
                time.sleep(fault.delay)
            else:
                malformed = fault
        if malformed is not None:
            self._send(HTTPStatus.OK, _malformed(malformed.mode, body))
            return
        self._send(HTTPStatus.OK, body)


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client that gave up (timeout) leaves a broken pipe behind: expected, not an error.
        if isinstance(sys.exc_info()[1], ConnectionError):
            return
        log.exception("sample vehicle API: error while answering %s", client_address)


class SampleVehicleApi:
    """The sample API on ``host:port`` (0: a free port), served by background threads.

    ``with SampleVehicleApi(ApiConfig(...)) as api: api.url`` in tests; ``python -m
    local.sources.vehicle_api`` for a standalone process.
    """

    def __init__(self, config: ApiConfig | None = None, host: str = "127.0.0.1", port: int = 0) -> None:
        self.config = config or ApiConfig()
        self._address = (host, port)
        self._tokens = TokenStore(self.config.token_ttl)
        self._bucket = TokenBucket(self.config.rate_limit, self.config.burst) if self.config.rate_limit else None
        self._faults = FaultPlan(self.config.faults)
        self._lock = threading.Lock()
        self._data_requests = 0
        # Bounded: a long-running server must not grow without limit.
        self.served: deque[Served] = deque(maxlen=100_000)
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        if self._httpd is None:
            raise RuntimeError("the sample API is not running")
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> SampleVehicleApi:
        handler = type("Handler", (_Handler,), {"api": self})
        self._httpd = _Server(self._address, handler)
        # A short poll interval keeps stop() quick (tests start many servers).
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, name="sample-vehicle-api", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def serve_forever(self) -> None:
        """Serve in the calling thread until ``stop()`` is called from elsewhere (the CLI)."""
        if self._thread is not None:
            self._thread.join()

    def revoke_tokens(self) -> None:
        """Invalidate every token issued so far."""
        self._tokens.revoke_all()

    def expected_records(
        self, endpoint: str, day: date | str, end_day: date | str | None = None
    ) -> list[dict[str, Any]]:
        """What this server serves for ``endpoint`` over the days [day, end_day]."""
        return expected_records(endpoint, day, end_day, seed=self.config.seed, volume=self.config.volume)

    def requests_to(self, path: str, status: int | None = None) -> list[Served]:
        """Requests served for ``path`` (e.g. ``/v1/vehicles``), optionally only those with ``status``."""
        with self._lock:
            return [s for s in self.served if s.path == path and (status is None or s.status == status)]

    def _record(self, served: Served) -> None:
        with self._lock:
            self.served.append(served)

    def _count_data_request(self) -> None:
        every = self.config.revoke_tokens_every
        with self._lock:
            self._data_requests += 1
            revoke = every is not None and self._data_requests % every == 0
        if revoke:
            # This request is still answered; the next one with an old token gets 401.
            self._tokens.revoke_all()

    def __enter__(self) -> SampleVehicleApi:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()
