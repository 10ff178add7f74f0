"""The shape of every service adapter: moto methods it replaces, and the engine they drive.

``local/aws/<service>/adapter.py`` defines ``ADAPTER = ServiceAdapter(...)``; ``local.aws.services``
installs them all when the local AWS starts and removes them when it stops.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Generic, TypeVar

from local.aws.context import ServiceContext
from local.aws.patching import Patches

Engine = TypeVar("Engine")


class ServiceAdapter(Generic[Engine]):
    def __init__(
        self,
        service: str,
        patches: Patches,
        start: Callable[[ServiceContext], Engine],
        stop: Callable[[Engine], Any],
    ) -> None:
        self.service = service
        self.patches = patches
        self._start, self._stop = start, stop
        self._engine: Engine | None = None

    @property
    def engine(self) -> Engine:
        """The running engine (the replacements call it)."""
        if self._engine is None:
            raise RuntimeError(f"the local {self.service} adapter is not installed")
        return self._engine

    @property
    def installed(self) -> bool:
        return self._engine is not None

    def install(self, ctx: ServiceContext) -> None:
        if self._engine is None:
            self._engine = self._start(ctx)
        self.patches.apply()

    def uninstall(self) -> None:
        """Stop the engine (its runs end first), then give moto its methods back."""
        if self._engine is not None:
            self._stop(self._engine)
            self._engine = None
        self.patches.undo()

    def original(self, owner: type, name: str) -> Callable[..., Any]:
        return self.patches.original(owner, name)
