"""Records waiting for delivery until a full object (SizeInMBs) or the interval (IntervalInSeconds)."""

from __future__ import annotations

import threading
import time
from collections import deque
from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class BufferedRecord:
    data: bytes
    arrival: datetime


class RecordBuffer:
    """Thread-safe FIFO of records; the interval clock starts when the first record enters."""

    def __init__(self) -> None:
        self._records: deque[BufferedRecord] = deque()
        self._bytes = 0
        self._since: float | None = None
        self._lock = threading.Lock()

    def add(self, records: list[BufferedRecord]) -> None:
        with self._lock:
            if records and not self._records:
                self._since = time.monotonic()
            self._records.extend(records)
            self._bytes += sum(len(r.data) for r in records)

    def interval_elapsed(self, interval_seconds: float) -> bool:
        """True when records have waited ``interval_seconds`` since the first of them arrived."""
        with self._lock:
            return self._since is not None and time.monotonic() - self._since >= interval_seconds

    def take(self, size_limit: int, everything: bool) -> list[BufferedRecord]:
        """The next object's records: whole records up to ``size_limit`` bytes (at least one).

        Without ``everything`` only a full object is taken, so a partly filled buffer keeps
        waiting for its interval.
        """
        with self._lock:
            if not everything and self._bytes < size_limit:
                return []
            taken: list[BufferedRecord] = []
            size = 0
            while self._records and (not taken or size + len(self._records[0].data) <= size_limit):
                record = self._records.popleft()
                taken.append(record)
                size += len(record.data)
            self._bytes -= size
            if not self._records:
                self._since = None
            return taken

    def put_back(self, records: list[BufferedRecord]) -> None:
        """Return records whose delivery failed to the front, oldest first."""
        with self._lock:
            if records and not self._records:
                self._since = time.monotonic()
            self._records.extendleft(reversed(records))
            self._bytes += sum(len(r.data) for r in records)

    def __len__(self) -> int:
        with self._lock:
            return len(self._records)
