"""A shard's write limits: 1,000 records and 1 MiB (data plus partition key) per second.

Each shard has two token buckets holding at most one second of its limit and refilling
continuously, so a producer may burst up to a second's worth and then writes at the limit:
the shape of the throttling Kinesis applies per shard (ProvisionedThroughputExceededException).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

RECORDS_PER_SECOND = 1_000
BYTES_PER_SECOND = 1024 * 1024


@dataclass
class _Bucket:
    records: float = RECORDS_PER_SECOND
    bytes: float = BYTES_PER_SECOND
    at: float = field(default_factory=time.monotonic)


class ShardLimits:
    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._buckets: dict[tuple[str, str], _Bucket] = {}
        self._lock = threading.Lock()

    def take(self, stream_arn: str, shard_id: str, size: int) -> bool:
        """Admit one record of ``size`` bytes to the shard now, or refuse it (nothing is taken)."""
        now = self._clock()
        with self._lock:
            bucket = self._buckets.setdefault((stream_arn, shard_id), _Bucket(at=now))
            elapsed, bucket.at = max(0.0, now - bucket.at), now
            bucket.records = min(RECORDS_PER_SECOND, bucket.records + elapsed * RECORDS_PER_SECOND)
            bucket.bytes = min(BYTES_PER_SECOND, bucket.bytes + elapsed * BYTES_PER_SECOND)
            if bucket.records < 1 or bucket.bytes < size:
                return False
            bucket.records -= 1
            bucket.bytes -= size
            return True
