"""OAuth2 client-credentials tokens of the sample API: issued, expired, revoked."""

from __future__ import annotations

import secrets
import threading
import time
from collections.abc import Callable


class TokenStore:
    def __init__(self, ttl: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.ttl = ttl
        self._clock = clock
        self._expiry: dict[str, float] = {}
        self._lock = threading.Lock()

    def issue(self) -> str:
        token = secrets.token_urlsafe(24)
        with self._lock:
            now = self._clock()
            # Forget expired tokens so a long run does not grow the store.
            self._expiry = {t: e for t, e in self._expiry.items() if e > now}
            self._expiry[token] = now + self.ttl
        return token

    def check(self, token: str | None) -> str | None:
        """None when the token is valid, else why not (for the 401 body)."""
        if not token:
            return "missing bearer token"
        with self._lock:
            expiry = self._expiry.get(token)
        if expiry is None:
            return "unknown or revoked token"
        if self._clock() >= expiry:
            return "token expired"
        return None

    def revoke_all(self) -> None:
        with self._lock:
            self._expiry.clear()
