"""The Amazon provider's AthenaOperator, deferring only a statement that is still running after
a short watch in the worker.

A deferral costs a second worker execution (start, DAG parse) and a triggerer -> scheduler ->
executor round trip, seconds each (``make bench``): more than Athena takes for a DDL statement
or a small INSERT. So the worker watches the statement for ``defer_after`` seconds, as the
provider's own deferrable sensors poke once before they defer, and only a statement still
running then goes to the triggerer (the provider's AthenaTrigger, first checking one poll
interval after the deferral: see AthenaStatementTrigger). 0 defers at once.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

from airflow.providers.amazon.aws.hooks.athena import AthenaHook
from airflow.providers.amazon.aws.operators.athena import AthenaOperator
from airflow.providers.amazon.aws.triggers.athena import AthenaTrigger
from airflow.triggers.base import BaseTrigger, TriggerEvent

WATCH_INTERVAL = 1.0  # seconds between two status checks in the worker


class AthenaStatementTrigger(AthenaTrigger):
    """The provider's AthenaTrigger, whose first check is one ``waiter_delay`` after the
    deferral instead of at once: the worker has just seen the statement running (or, with a
    watch of 0, just submitted it). A trigger firing within a second or two of the deferral also
    meets Airflow 3.3.1's race (apache/airflow#72716): the scheduler takes the deferring
    worker's late exit report for a kill of the resumed try, fails it, and the try after it."""

    async def run(self) -> AsyncIterator[TriggerEvent]:
        await asyncio.sleep(self.waiter_delay)
        async for event in super().run():
            yield event


class AthenaStatementOperator(AthenaOperator):
    def __init__(self, *, defer_after: float, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.defer_after = defer_after

    def defer(
        self,
        *,
        trigger: BaseTrigger,
        method_name: str,
        kwargs: dict[str, Any] | None = None,
        timeout: timedelta | int | float | None = None,
    ) -> None:
        """AthenaOperator.execute submits the statement, then defers. Returning instead means the
        statement has ended: execute goes on as without deferral, reading its final state and
        failing with Athena's reason if it failed."""
        if type(trigger) is AthenaTrigger:
            trigger = AthenaStatementTrigger(**trigger.serialize()[1])
        if self.defer_after <= 0:
            super().defer(trigger=trigger, method_name=method_name, kwargs=kwargs, timeout=timeout)
        state = final_state_within(self.hook, self.query_execution_id, self.defer_after)
        if state is None:
            super().defer(trigger=trigger, method_name=method_name, kwargs=kwargs, timeout=timeout)
        self.log.info("Query %s ended %s within %s s: not deferred", self.query_execution_id, state, self.defer_after)


def final_state_within(hook: AthenaHook, query_execution_id: str, seconds: float) -> str | None:
    """The statement's final state if it ends within ``seconds`` (checked every WATCH_INTERVAL), else None."""
    deadline = time.monotonic() + seconds
    while True:
        state = hook.check_query_status(query_execution_id)
        if state is not None and state not in AthenaHook.INTERMEDIATE_STATES:
            return state
        if time.monotonic() + WATCH_INTERVAL > deadline:
            return None
        time.sleep(WATCH_INTERVAL)
