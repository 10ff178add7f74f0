"""A failed run publishes one event on the project's EventBridge bus (spec section 3), so others
can subscribe (an SQS queue, an e-mail topic) through a rule, as the seeds' dead-letter queues
and alarms did.

Two tasks end the DAG: ``describe_failure``, a teardown of every other task (it runs whatever
happened, and a teardown's state does not decide the run's), which skips when no task failed
and otherwise returns the event's detail; then ``publish_failure_event``, the provider's
``EventBridgePutEventsOperator``, run only when there is a detail. Both show in the UI; a
publishing problem fails (and retries) the second, and the run still ends failed because its
failed tasks are still its leaves.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import Any

from airflow.providers.amazon.aws.operators.eventbridge import EventBridgePutEventsOperator
from airflow.sdk import DAG, BaseOperator, task
from airflow.sdk.exceptions import AirflowSkipException

from pipelines.run_ledger import RECORD_TASK
from pipelines.settings import SETTINGS

ERROR_KEY = "error"
DESCRIBE_TASK = "describe_failure"
MAX_ERROR = 4000  # characters of the error in the event (EventBridge allows 256 KiB per entry)

# (failed task ids, dag_run) -> the error as the failed AWS work reported it, or None
ErrorLookup = Callable[[list[str], Any], "str | None"]


def record_error(context: dict[str, Any]) -> None:
    """on_failure_callback: keep the exception's text where ``describe_failure`` finds it."""
    error = context.get("exception")
    if error is not None:
        context["ti"].xcom_push(key=ERROR_KEY, value=f"{type(error).__name__}: {error}"[:MAX_ERROR])


def failed_tasks(task_states: dict[str, str]) -> list[str]:
    """The failed ones of ``{task_id (or task_id_mapindex): state}``."""
    return sorted(task_id for task_id, state in task_states.items() if state == "failed")


def _instance(name: str, task_ids: list[str]) -> dict[str, Any]:
    """xcom_pull's arguments for a name of ``failed_tasks``: ``<task_id>_<map index>`` is a mapped one."""
    task_id, _, index = name.rpartition("_")
    if name not in task_ids and task_id in task_ids and index.isdigit():
        return {"task_ids": task_id, "map_indexes": int(index)}
    return {"task_ids": name}


def failure_detail(
    dag_id: str, run_id: str, target: dict[str, Any], failed: list[str], error: str, ledger: str | None = None
) -> dict[str, Any]:
    """The event's detail: ``{"dag_id", "run_id", <target>, "failed_tasks", "error", "ledger"}``
    (``ledger``: the run's ledger line, pipelines.run_ledger.summary; None if it was not written)."""
    return {
        "dag_id": dag_id, "run_id": run_id, **target, "failed_tasks": failed, "error": error[:MAX_ERROR],
        "ledger": ledger,
    }  # fmt: skip


def failure_event(
    dag: DAG,
    source: str,
    detail_type: str,
    target: dict[str, str],
    error_lookups: Sequence[ErrorLookup] = (),
) -> BaseOperator:
    """Add the two tasks to ``dag``, after every task it has so far but its setups (a setup's
    failure fails its downstream tasks, which are among them): call it last in the DAG's body.
    ``target``: the detail's fields naming what the run processed, as templates
    (``{"target_hour": "{{ run_target() }}"}``); ``error_lookups``: where the failed AWS work's
    own error is found (the first that answers wins over the tasks' exceptions). Returns the last task."""
    work = [t for t in dag.tasks if not t.is_setup]

    @task(task_id=DESCRIBE_TASK, multiple_outputs=False)
    def describe_failure(target: dict[str, str], dag_run: Any = None, ti: Any = None) -> str:
        states = ti.get_task_states(dag_id=dag_run.dag_id, run_ids=[dag_run.run_id]).get(dag_run.run_id, {})
        failed = failed_tasks(states)
        if not failed:
            raise AirflowSkipException("no task failed: no event to publish")
        recorded = [ti.xcom_pull(key=ERROR_KEY, **_instance(task_id, ti.task.dag.task_ids)) for task_id in failed]
        looked_up = next((e for lookup in error_lookups if (e := lookup(failed, dag_run))), None)
        error = looked_up or "; ".join(str(e) for e in recorded if e) or "no error recorded: see the failed tasks' logs"
        recorded_run = ti.xcom_pull(task_ids=RECORD_TASK) if RECORD_TASK in ti.task.dag.task_ids else None
        ledger = recorded_run.get("summary") if isinstance(recorded_run, dict) else None
        return json.dumps(failure_detail(dag_run.dag_id, dag_run.run_id, target, failed, error, ledger))

    described = describe_failure(target)
    publish_failure_event = EventBridgePutEventsOperator(
        task_id="publish_failure_event",
        entries=[
            {
                "Source": source,
                "DetailType": detail_type,
                "Detail": f"{{{{ ti.xcom_pull(task_ids='{DESCRIBE_TASK}') }}}}",
                "EventBusName": SETTINGS.event_bus,
            }
        ],
        aws_conn_id=SETTINGS.aws_conn_id,
    )
    work >> described.as_teardown()
    described >> publish_failure_event
    return publish_failure_event
