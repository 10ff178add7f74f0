"""Running a trigger as the triggerer would, outside it."""

from __future__ import annotations

import asyncio
from typing import Any


def first_event(trigger: Any, timeout: float = 120) -> dict:
    """What the triggerer would hand back to the task: the trigger's first event."""

    async def run() -> dict:
        async for event in trigger.run():
            return event.payload
        raise AssertionError("the trigger ended without an event")

    return asyncio.run(asyncio.wait_for(run(), timeout=timeout))
