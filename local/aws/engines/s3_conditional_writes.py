"""S3 conditional writes (If-None-Match / If-Match on PutObject and DeleteObject) are atomic.

moto checks the condition and then writes, and its server answers requests on several threads,
so two conditional PutObjects could both pass the check. AWS decides them atomically: exactly
one wins, the other gets 412. Conditional requests are serialised here to do the same.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from moto.s3.responses import S3Response

if TYPE_CHECKING:
    from local.aws.server import EngineContext

_CONDITIONS = ("If-None-Match", "If-Match")
_lock = threading.Lock()
_originals: dict[str, Callable[..., Any]] = {}


def _serialised(original: Callable[..., Any]) -> Callable[..., Any]:
    def handler(self: S3Response) -> Any:
        if any(self.headers.get(name) for name in _CONDITIONS):
            with _lock:
                return original(self)
        return original(self)

    return handler


def install(ctx: EngineContext) -> None:
    for name in ("put_object", "delete_object"):
        if name not in _originals:
            _originals[name] = getattr(S3Response, name)
            setattr(S3Response, name, _serialised(_originals[name]))


def uninstall() -> None:
    while _originals:
        name, original = _originals.popitem()
        setattr(S3Response, name, original)
