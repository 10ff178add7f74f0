"""What a sample API instance serves and how it misbehaves: credentials, limits, injected faults."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any, Literal

from local.sources.vehicle_api.data import DEFAULT_SEED, DEFAULT_VOLUME, ENDPOINTS, Volume

FaultKind = Literal["error", "unauthorized", "slow", "malformed"]
MalformedMode = Literal["bad_json", "missing_field", "bad_record", "short_page", "wrong_page"]
MALFORMED_MODES = ("bad_json", "missing_field", "bad_record", "short_page", "wrong_page")


@dataclass(frozen=True)
class Fault:
    """A misbehaviour for matching data requests.

    ``endpoint``/``page``/``date`` (YYYY-MM-DD of fromCreationDate) left as None match any.
    ``times`` is how many matching requests misbehave before the page is served normally
    (None: every time). ``error`` answers ``status``; ``unauthorized`` answers 401 as for an
    expired token; ``slow`` waits ``delay`` seconds, then serves; ``malformed`` answers 200
    with a broken body of the given ``mode``.
    """

    kind: FaultKind
    endpoint: str | None = None
    page: int | None = None
    date: str | None = None
    times: int | None = None
    status: int = 503
    delay: float = 0.0
    mode: MalformedMode = "bad_json"

    def __post_init__(self) -> None:
        if self.kind not in ("error", "unauthorized", "slow", "malformed"):
            raise ValueError(f"unknown fault kind {self.kind!r}")
        if self.endpoint is not None and self.endpoint not in ENDPOINTS:
            raise ValueError(f"unknown endpoint {self.endpoint!r}")
        if self.kind == "error" and not 500 <= self.status <= 599:
            raise ValueError("error faults answer a 5xx status")
        if self.mode not in MALFORMED_MODES:
            raise ValueError(f"unknown malformed mode {self.mode!r}; expected one of {MALFORMED_MODES}")

    @classmethod
    def from_dict(cls, value: dict[str, Any]) -> Fault:
        return cls(**value)

    def matches(self, endpoint: str, page: int, day: str) -> bool:
        return (
            (self.endpoint is None or self.endpoint == endpoint)
            and (self.page is None or self.page == page)
            and (self.date is None or self.date == day)
        )


@dataclass(frozen=True)
class ApiConfig:
    """Everything that decides the sample API's answers.

    ``rate_limit``: requests per second over all endpoints (None: unlimited), enforced as a
    token bucket holding one second's worth (``burst`` overrides); excess requests get 429 with
    ``Retry-After``. ``revoke_tokens_every``: after every K-th data request served, all tokens
    issued so far stop working (token expiry mid-run).
    """

    client_id: str = "local-client"
    client_secret: str = "local-secret"
    seed: str = DEFAULT_SEED
    volume: Volume = DEFAULT_VOLUME
    token_ttl: float = 3600.0
    rate_limit: float | None = None
    burst: int | None = None
    revoke_tokens_every: int | None = None
    faults: tuple[Fault, ...] = ()
    max_range_days: int = 31

    def __post_init__(self) -> None:
        if self.token_ttl <= 0:
            raise ValueError("token_ttl must be positive")
        if self.rate_limit is not None and self.rate_limit <= 0:
            raise ValueError("rate_limit must be positive")
        if self.revoke_tokens_every is not None and self.revoke_tokens_every < 1:
            raise ValueError("revoke_tokens_every must be >= 1")


@dataclass
class FaultPlan:
    """The faults of one server with how often each has fired (thread-safe)."""

    faults: tuple[Fault, ...]
    fired: list[int] = field(init=False)
    _lock: threading.Lock = field(init=False, default_factory=threading.Lock)

    def __post_init__(self) -> None:
        self.fired = [0] * len(self.faults)

    def take(self, endpoint: str, page: int, day: str) -> list[Fault]:
        """The faults that apply to this request, counting each as fired."""
        applying = []
        with self._lock:
            for index, fault in enumerate(self.faults):
                if fault.matches(endpoint, page, day) and (fault.times is None or self.fired[index] < fault.times):
                    self.fired[index] += 1
                    applying.append(fault)
        return applying
