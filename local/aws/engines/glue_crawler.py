"""Glue crawlers that really crawl: StartCrawler runs ``local.aws.glue_crawler`` in a thread.

Only crawler methods are patched (another engine patches job runs on the same GlueBackend).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from moto.glue.models import FakeCrawler, GlueBackend
from moto.glue.responses import GlueResponse

from local.aws.glue_crawler import moto_api
from local.aws.glue_crawler.runs import Runner

if TYPE_CHECKING:
    from local.aws.server import EngineContext

_MISSING = object()
_saved: list[tuple[type, str, Any]] = []
_runner: Runner | None = None


def _patch(cls: type, name: str, value: Any) -> None:
    _saved.append((cls, name, cls.__dict__.get(name, _MISSING)))
    setattr(cls, name, value)


def install(ctx: EngineContext) -> None:
    global _runner
    if _saved:
        return
    _runner = Runner(ctx)
    moto_api.set_runner(_runner)
    _patch(GlueBackend, "start_crawler", moto_api.start_crawler)
    _patch(GlueBackend, "stop_crawler", moto_api.stop_crawler)
    _patch(GlueBackend, "update_crawler", moto_api.update_crawler)
    _patch(GlueBackend, "get_crawler_metrics", moto_api.get_crawler_metrics)
    _patch(FakeCrawler, "as_dict", moto_api.crawler_as_dict(FakeCrawler.as_dict))
    _patch(GlueResponse, "update_crawler", moto_api.response_update_crawler)
    _patch(GlueResponse, "get_crawler_metrics", moto_api.response_get_crawler_metrics)


def uninstall() -> None:
    global _runner
    if _runner is not None:
        _runner.join()
    while _saved:
        cls, name, original = _saved.pop()
        if original is _MISSING:
            delattr(cls, name)
        else:
            setattr(cls, name, original)
    moto_api.set_runner(None)
    _runner = None
