"""Token-bucket rate limit: R requests per second, answered with 429 and Retry-After beyond it."""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable


class TokenBucket:
    def __init__(self, rate: float, burst: int | None = None, clock: Callable[[], float] = time.monotonic) -> None:
        self.rate = rate
        # One second's worth by default: a client that waits the advertised Retry-After (>= 1 s)
        # finds a full second of capacity, so waiting clients can still use the whole rate.
        self.capacity = float(burst if burst is not None else max(1, math.ceil(rate)))
        self._clock = clock
        self._tokens = self.capacity
        self._updated = clock()
        self._lock = threading.Lock()

    def acquire(self) -> int | None:
        """None if the request may go ahead, else the whole seconds to wait (Retry-After)."""
        with self._lock:
            now = self._clock()
            self._tokens = min(self.capacity, self._tokens + (now - self._updated) * self.rate)
            self._updated = now
            if self._tokens >= 1.0:
                self._tokens -= 1.0
                return None
            return max(1, math.ceil((1.0 - self._tokens) / self.rate))
