"""HTTP client of the vehicle API: OAuth tokens, retries, strict validation of every page.

Behaviour:
- A token is fetched on first use and refreshed shortly before ``expires_in`` runs out; a 401
  drops it and retries with a new one, once per request (a second 401 is an error).
- 5xx answers, timeouts and connection errors are retried up to ``max_attempts`` attempts in
  total, sleeping a random time in [0, min(cap, base * 2**n)] ("full jitter") in between.
- 429 waits the ``Retry-After`` seconds (capped at ``max_retry_after``) and tries again, up to
  ``max_rate_limited`` times per request; these waits do not use up ``max_attempts``.
- Other 4xx answers are errors at once. Parameters are checked before any request, and every
  page is checked whole (shape, types, page echo, record count): a bad page raises
  ``MalformedPageError`` naming endpoint, day and page. Each record is then checked on its own
  (fields, JSON types, creation date in the requested day): a bad record is not an error of the
  page but a reject, returned apart with the reason so that the caller keeps it.

Depends only on the standard library and ``requests``: the downloader Lambda ships this module.
"""

from __future__ import annotations

import json
import logging
import math
import random
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from email.utils import parsedate_to_datetime
from types import TracebackType
from typing import Any

import requests

from pipelines.vehicle_api.contract import (
    RECORD_FIELDS,
    check_endpoint,
    check_page,
    day_bounds,
    parse_day,
)

log = logging.getLogger(__name__)

TOKEN_PATH = "/oauth/token"


class VehicleApiError(Exception):
    """Base of every error of this client."""


class VehicleApiAuthError(VehicleApiError):
    """The credentials were refused, or a fresh token was refused."""


class VehicleApiRequestError(VehicleApiError):
    """The API rejected the request (a 4xx other than 401/429): retrying will not help."""


class VehicleApiUnavailableError(VehicleApiError):
    """5xx, timeouts, connection errors or rate limiting outlasted the retries."""


class MalformedPageError(VehicleApiError):
    """An answer that is not a complete, valid page."""


@dataclass(frozen=True)
class ApiCredentials:
    base_url: str
    client_id: str
    client_secret: str = field(repr=False)

    @classmethod
    def from_secret(cls, secret_string: str) -> ApiCredentials:
        """Read a Secrets Manager value: ``{"base_url", "client_id", "client_secret"}``, or an
        Airflow connection as JSON (``host`` [with scheme], ``login``, ``password``, ``port``, ``schema``).
        """
        try:
            value = json.loads(secret_string)
        except ValueError:
            value = None
        if not isinstance(value, dict):
            raise ValueError("the vehicle API secret must be a JSON object")
        if "base_url" in value:
            fields = (value.get("base_url"), value.get("client_id"), value.get("client_secret"))
        else:
            host = str(value.get("host") or "")
            if host and "://" not in host:
                host = f"{value.get('schema') or 'https'}://{host}"
            if host and value.get("port"):
                host = f"{host.rstrip('/')}:{value['port']}"
            fields = (host, value.get("login"), value.get("password"))
        if not all(isinstance(item, str) and item for item in fields):
            raise ValueError(
                "the vehicle API secret needs base_url, client_id and client_secret (or host, login, password)"
            )
        base_url, client_id, client_secret = fields
        return cls(base_url.rstrip("/"), client_id, client_secret)


@dataclass(frozen=True)
class PageInfo:
    total_pages: int
    total_records: int
    page_size: int


@dataclass(frozen=True)
class Page:
    page: int
    info: PageInfo
    records: list[dict[str, Any]]  # the good records, in the API's order
    rejected: list[dict[str, Any]] = field(default_factory=list)  # {"index", "reason", "record"}


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _type_ok(value: object, allowed: tuple[type | None, ...]) -> bool:
    if value is None:
        return None in allowed
    if isinstance(value, bool):
        return False
    if isinstance(value, float) and not math.isfinite(value):
        return False
    return any(kind is not None and isinstance(value, kind) for kind in allowed)


BIGINT = range(-(2**63), 2**63)


def _shown(value: object, limit: int = 60) -> str:
    """``repr(value)``, cut to ``limit`` characters: a hostile value is named, not echoed whole."""
    text = repr(value)
    return text if len(text) <= limit else f"{text[: limit - 3]}..."


def problem_kind(reason: str) -> str:
    """A reject's reason without the value it names (``record has speed of the wrong type``):
    what rejects are counted by."""
    kind = re.sub(r"=.*(?= of the wrong type$| beyond a bigint$|, not ISO-8601$| outside \[)", "", reason)
    return re.sub(r" outside \[.*\)$", " outside the day", kind).replace(", not ISO-8601", " not ISO-8601")


def record_problem(record: object, endpoint: str, day: date) -> str | None:
    """Why ``record`` is not a record of ``endpoint`` created on ``day``, or None when it is.
    A value of another JSON type is a problem even where a cast would succeed: nothing is
    rounded or converted into another value."""
    fields = RECORD_FIELDS[endpoint]
    start, end = day_bounds(day)
    if not isinstance(record, dict):
        return f"is a {type(record).__name__}, not an object"
    for name, allowed in fields.items():
        if name not in record:
            return f"has no {name}"
        if not _type_ok(record[name], allowed):
            return f"has {name}={_shown(record[name])} of the wrong type"
    if not record["vehicle_id"]:
        return "has an empty vehicle_id"
    if "timestamp" in fields and record["timestamp"] not in BIGINT:
        return f"has timestamp={_shown(record['timestamp'])} beyond a bigint"
    try:
        created = datetime.fromisoformat(record["creation_date"])
    except ValueError:
        return f"has creation_date={_shown(record['creation_date'])}, not ISO-8601"
    created = created.replace(tzinfo=UTC) if created.tzinfo is None else created
    if not start <= created < end:
        return f"has creation_date={_shown(record['creation_date'])} outside [{_iso(start)}, {_iso(end)})"
    return None


def page_problem(body: object, endpoint: str, page: int, page_size: int, day: date) -> str | None:
    """Why ``body`` is not exactly the requested page, or None when it is (its records are
    judged one by one: ``record_problem``)."""
    if not isinstance(body, dict):
        return f"body is a {type(body).__name__}, not an object"
    for name in ("page", "pageSize", "total_pages", "total_records"):
        if not _is_int(body.get(name)) or body[name] < 0:
            return f"{name} is {_shown(body.get(name))}, not a non-negative integer"
    if not isinstance(body.get("data"), list):
        return f"data is {type(body.get('data')).__name__}, not a list"
    if body["page"] != page:
        return f"answered page {body['page']} instead of {page}"
    if body["pageSize"] != page_size:
        return f"answered pageSize {body['pageSize']} instead of {page_size}"
    total_pages, total_records = body["total_pages"], body["total_records"]
    if total_pages != math.ceil(total_records / page_size):
        return f"total_pages {total_pages} does not fit total_records {total_records} at pageSize {page_size}"
    if page > max(1, total_pages):
        return f"page is beyond total_pages {total_pages}"
    expected = (
        0 if total_pages == 0 else (page_size if page < total_pages else total_records - (total_pages - 1) * page_size)
    )
    if len(body["data"]) != expected:
        return f"holds {len(body['data'])} records, expected {expected} (a partial page)"
    return None


class VehicleApiClient:
    """One API session. ``sleep`` and ``jitter`` (a uniform draw in [0, 1)) are injectable so tests can measure the waits."""

    def __init__(
        self,
        base_url: str,
        client_id: str,
        client_secret: str,
        *,
        timeout: float | tuple[float, float] = (5.0, 60.0),
        max_attempts: int = 5,
        backoff_base: float = 0.5,
        backoff_cap: float = 20.0,
        max_rate_limited: int = 100,
        max_retry_after: float = 120.0,
        sleep: Callable[[float], None] = time.sleep,
        jitter: Callable[[], float] = random.random,
        session: requests.Session | None = None,
    ) -> None:
        if max_attempts < 1:
            raise ValueError("max_attempts must be >= 1")
        self.base_url = base_url.rstrip("/")
        self.client_id = client_id
        self._client_secret = client_secret
        self.timeout = timeout
        self.max_attempts = max_attempts
        self.backoff_base = backoff_base
        self.backoff_cap = backoff_cap
        self.max_rate_limited = max_rate_limited
        self.max_retry_after = max_retry_after
        self._sleep = sleep
        self._jitter = jitter
        self._session = session or requests.Session()
        self._session.headers["User-Agent"] = "pipelines-vehicle-api-client/1"
        self._token: str | None = None
        self._token_renew_at = 0.0
        self.token_fetches = 0  # how many tokens this client obtained (tests check refreshes)

    @classmethod
    def from_credentials(cls, credentials: ApiCredentials, **options: Any) -> VehicleApiClient:
        return cls(credentials.base_url, credentials.client_id, credentials.client_secret, **options)

    def __repr__(self) -> str:
        return f"VehicleApiClient({self.base_url!r}, client_id={self.client_id!r})"

    # -- pages ---------------------------------------------------------------------------------

    def probe(self, endpoint: str, day: date | str, page_size: int) -> PageInfo:
        """How many pages and records ``endpoint`` holds for ``day`` at ``page_size``."""
        return self.get_page(endpoint, day, 1, page_size).info

    def fetch_page(self, endpoint: str, day: date | str, page: int, page_size: int) -> list[dict[str, Any]]:
        """The good records of one page, exactly as the API sent them, after validating the page."""
        return self.get_page(endpoint, day, page, page_size).records

    def get_page(self, endpoint: str, day: date | str, page: int, page_size: int) -> Page:
        check_endpoint(endpoint)
        day = parse_day(day)
        check_page(page, page_size)
        context = f"{endpoint} {day.isoformat()} page {page}"
        start, end = day_bounds(day)
        params = {
            "fromCreationDate": _iso(start),
            "toCreationDate": _iso(end),
            "timeZone": "UTC",
            "page": page,
            "pageSize": page_size,
        }
        response = self._request("GET", f"/v1/{endpoint}", context, params=params)
        try:
            body = json.loads(response.content)
        except ValueError as err:
            raise MalformedPageError(f"{context}: the answer is not valid JSON ({err})") from None
        problem = page_problem(body, endpoint, page, page_size, day)
        if problem:
            raise MalformedPageError(f"{context}: malformed page: {problem}")
        info = PageInfo(body["total_pages"], body["total_records"], page_size)
        good, rejected = [], []
        for index, record in enumerate(body["data"]):
            problem = record_problem(record, endpoint, day)
            if problem:
                rejected.append({"index": index, "reason": f"record {problem}", "record": record})
            else:
                good.append(record)
        return Page(page, info, good, rejected)

    def fetch_day(self, endpoint: str, day: date | str, page_size: int) -> list[dict[str, Any]]:
        """Every good record of ``day``, page by page; fails if the totals change meanwhile."""
        first = self.get_page(endpoint, day, 1, page_size)
        records = list(first.records)
        for page in range(2, first.info.total_pages + 1):
            current = self.get_page(endpoint, day, page, page_size)
            if current.info != first.info:
                raise MalformedPageError(
                    f"{endpoint} {day} page {page}: totals changed from {first.info} to {current.info}"
                )
            records.extend(current.records)
        return records

    # -- transport ---------------------------------------------------------------------------

    def _access_token(self) -> str:
        if self._token is None or time.monotonic() >= self._token_renew_at:
            self._token = None
            response = self._request(
                "POST",
                TOKEN_PATH,
                "token request",
                data={
                    "grant_type": "client_credentials",
                    "client_id": self.client_id,
                    "client_secret": self._client_secret,
                },
                authenticated=False,
            )
            try:
                body = json.loads(response.content)
            except ValueError:
                body = None
            if (
                not isinstance(body, dict)
                or not isinstance(body.get("access_token"), str)
                or not body["access_token"]
                or str(body.get("token_type", "")).lower() != "bearer"
                or not _is_int(body.get("expires_in"))
                or body["expires_in"] <= 0
            ):
                raise VehicleApiAuthError("token request: the answer is not a bearer token with expires_in")
            # Renew a little early so a token never expires between check and use.
            lifetime = body["expires_in"]
            self._token_renew_at = time.monotonic() + lifetime - min(30.0, lifetime / 10)
            self._token = body["access_token"]
            self.token_fetches += 1
        return self._token

    def _backoff(self, attempt: int) -> float:
        return self._jitter() * min(self.backoff_cap, self.backoff_base * 2 ** (attempt - 1))

    def _retry_after(self, response: requests.Response, attempt: int) -> float:
        header = response.headers.get("Retry-After", "").strip()
        wait: float | None = None
        if header.isdigit():
            wait = float(header)
        elif header:
            try:
                wait = (parsedate_to_datetime(header) - datetime.now(UTC)).total_seconds()
            except (TypeError, ValueError):
                wait = None
        if wait is None:
            wait = self._backoff(attempt + 1)
        return min(max(0.0, wait), self.max_retry_after)

    def _request(
        self,
        method: str,
        path: str,
        context: str,
        *,
        params: dict[str, Any] | None = None,
        data: dict[str, str] | None = None,
        authenticated: bool = True,
    ) -> requests.Response:
        url = f"{self.base_url}{path}"
        failures = 0
        rate_limited = 0
        refreshed = False
        while True:
            headers = {"Accept": "application/json"}
            if authenticated:
                headers["Authorization"] = f"Bearer {self._access_token()}"
            try:
                response = self._session.request(
                    method, url, params=params, data=data, headers=headers, timeout=self.timeout
                )
            except (requests.Timeout, requests.ConnectionError) as err:
                failures += 1
                problem = "timed out" if isinstance(err, requests.Timeout) else "connection failed"
                self._retry_or_give_up(context, failures, problem, err)
                continue
            status = response.status_code
            if status == 401 and authenticated:
                if refreshed:
                    raise VehicleApiAuthError(f"{context}: HTTP 401 again with a fresh token: {_reason(response)}")
                refreshed = True
                self._token = None
                log.info("%s: HTTP 401 (%s), fetching a new token", context, _reason(response))
                continue
            if status == 401:
                raise VehicleApiAuthError(f"{context}: credentials refused: {_reason(response)}")
            if status == 429:
                rate_limited += 1
                if rate_limited > self.max_rate_limited:
                    raise VehicleApiUnavailableError(
                        f"{context}: still rate limited (HTTP 429) after {rate_limited - 1} waits"
                    )
                wait = self._retry_after(response, rate_limited)
                log.info("%s: HTTP 429, waiting %.2f s as Retry-After asks", context, wait)
                self._sleep(wait)
                continue
            if status >= 500:
                failures += 1
                self._retry_or_give_up(context, failures, f"HTTP {status} ({_reason(response)})", None)
                continue
            if status >= 400:
                raise VehicleApiRequestError(f"{context}: HTTP {status}: {_reason(response)}")
            return response

    def _retry_or_give_up(self, context: str, failures: int, problem: str, cause: BaseException | None) -> None:
        if failures >= self.max_attempts:
            raise VehicleApiUnavailableError(f"{context}: failed after {failures} attempts; last: {problem}") from cause
        wait = self._backoff(failures)
        log.warning("%s: %s; retry %d/%d in %.2f s", context, problem, failures, self.max_attempts - 1, wait)
        self._sleep(wait)

    # -- lifecycle ---------------------------------------------------------------------------

    def close(self) -> None:
        self._session.close()

    def __enter__(self) -> VehicleApiClient:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()


def _reason(response: requests.Response) -> str:
    """The API's error message, kept short (never the request, which holds the token)."""
    try:
        body = json.loads(response.content)
    except ValueError:
        body = None
    if isinstance(body, dict) and (body.get("message") or body.get("error")):
        return str(body.get("message") or body.get("error"))[:200]
    return (response.text or response.reason or "no body")[:200]
