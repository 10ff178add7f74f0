"""S3's moto adapter: conditional writes (If-None-Match / If-Match on PutObject and DeleteObject) are atomic.

moto checks the condition and then writes, and its server answers requests on several threads,
so two conditional PutObjects could both pass the check. AWS decides them atomically: exactly
one wins, the other gets 412. Conditional requests are serialised here to do the same.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from moto.s3.responses import S3Response

from local.aws.adapter import ServiceAdapter
from local.aws.patching import Patches

_CONDITIONS = ("If-None-Match", "If-Match")


def _serialised(name: str) -> Callable[[S3Response], Any]:
    def handler(self: S3Response) -> Any:
        original = ADAPTER.original(S3Response, name)
        if any(self.headers.get(header) for header in _CONDITIONS):
            with ADAPTER.engine:
                return original(self)
        return original(self)

    return handler


# The engine is the one lock conditional requests take.
ADAPTER = ServiceAdapter(
    "S3",
    Patches(
        (S3Response, "put_object", _serialised("put_object")),
        (S3Response, "delete_object", _serialised("delete_object")),
    ),
    start=lambda ctx: threading.Lock(),
    stop=lambda lock: None,
)
