"""Replace attributes of moto's classes, and put back exactly what was there.

Every service adapter declares its replacements as one ``Patches`` and calls ``apply()`` when
the local AWS starts and ``undo()`` when it stops. Both are idempotent, so a second start in one
process does not wrap a replacement in itself, and ``original()`` reaches the method a
replacement delegates to (moto's own, possibly inherited).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

_MISSING = object()


class Patches:
    def __init__(self, *patches: tuple[type, str, Any]) -> None:
        self._patches = patches
        self._saved: dict[tuple[type, str], Any] = {}
        self._originals: dict[tuple[type, str], Any] = {}

    @property
    def applied(self) -> bool:
        return bool(self._saved)

    def apply(self) -> None:
        if self.applied:
            return
        for owner, name, replacement in self._patches:
            self._saved[(owner, name)] = owner.__dict__.get(name, _MISSING)
            self._originals[(owner, name)] = getattr(owner, name, None)
            setattr(owner, name, replacement)

    def undo(self) -> None:
        for (owner, name), saved in reversed(list(self._saved.items())):
            if saved is _MISSING:
                delattr(owner, name)
            else:
                setattr(owner, name, saved)
        self._saved.clear()

    def original(self, owner: type, name: str) -> Callable[..., Any]:
        """What ``owner.name`` was before ``apply()`` (for a replacement that delegates to it)."""
        found = self._originals.get((owner, name))
        if found is None:
            found = getattr(owner, name)  # not applied yet: the attribute is still moto's
        return found
