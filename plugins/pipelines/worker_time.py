"""The seconds each task spends in a worker slot, deferred waits apart, for the run ledger.

Airflow records a try's start and end only: a deferred try's duration includes its wait in the
triggerer. So each worker execution of a try times itself: it starts at the execute callback
and ends at the success or failure callback, or at the deferral (the operator's ``defer``,
wrapped for this process); the sum is kept in the try's XCom ``worker_seconds``, which Airflow
keeps across a deferral and clears for a new try. Not counted: the worker's start-up before
the callback, and a rescheduled sensor's earlier pokes.
"""

from __future__ import annotations

import time
from typing import Any

WORKER_SECONDS_KEY = "worker_seconds"
# This process's execution: (its start, whether it resumes a deferred try). A worker process runs one.
_started: list[tuple[float, bool]] = []


def _resumed(ti: Any) -> bool:
    """Whether this execution resumes a deferred try (the SDK's run context names the method)."""
    return bool(getattr(getattr(ti, "_ti_context_from_server", None), "next_method", None))


def execution_started(context: Any) -> None:
    """on_execute_callback: the execution's start; its deferral will end it."""
    _started[:] = [(time.monotonic(), _resumed(context["ti"]))]
    task = context["task"]
    if "defer" not in vars(task):
        deferral = task.defer

        def defer(*args: Any, **kwargs: Any) -> None:
            execution_ended(context)
            deferral(*args, **kwargs)  # raises TaskDeferred

        task.defer = defer


def execution_ended(context: Any) -> None:
    """on_success/on_failure/on_retry callback: add the execution's seconds to the try's."""
    if not _started:
        return
    started, resumed = _started.pop()
    elapsed = time.monotonic() - started
    ti = context["ti"]
    # Only a resumed execution has earlier seconds to add to (asking for an absent XCom logs an error).
    before = ti.xcom_pull(task_ids=ti.task_id, key=WORKER_SECONDS_KEY, map_indexes=ti.map_index) if resumed else 0.0
    ti.xcom_push(key=WORKER_SECONDS_KEY, value=round((before or 0.0) + elapsed, 3))
