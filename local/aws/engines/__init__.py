"""Engines that make the local AWS execute for real, installed on top of moto's backends.

Every module in this package exposes ``install(ctx)`` and ``uninstall()``; they patch moto's
backend classes in this process, so one endpoint serves moto's API and real execution
together. Engines read and write S3 through ``ctx.s3`` (see ``local.aws.s3_files``).
"""

from __future__ import annotations

import pkgutil
from importlib import import_module
from types import ModuleType
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from local.aws.server import EngineContext

_installed: list[ModuleType] = []


def engine_modules() -> list[ModuleType]:
    return [import_module(f"{__name__}.{m.name}") for m in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name)]


def install(ctx: EngineContext) -> None:
    for module in engine_modules():
        module.install(ctx)
        _installed.append(module)


def uninstall() -> None:
    while _installed:
        _installed.pop().uninstall()
