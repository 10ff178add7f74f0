"""Glue job runs execute their scripts on local PySpark (implementation: ``local.aws.glue_jobs``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from local.aws.glue_jobs import engine

if TYPE_CHECKING:
    from local.aws.server import EngineContext


def install(ctx: EngineContext) -> None:
    engine.install(ctx)


def uninstall() -> None:
    engine.uninstall()
