"""``record_run``: the task of every pipeline DAG that writes the run's ledger rows
(``pipelines.run_ledger``), a teardown of every other task so that it runs whatever happened.

It reads the run's state from its tasks, the counts from its checks' figures, the usage from
AWS, writes the rows, and, for a successful run that published fewer rows than usual, sends a
``Volume anomaly`` event on the project's bus (the run stays green: a person looks). It
returns the run's one-line summary: the run's note in the UI (``pipelines.run_notes``) and the
failure event's ``ledger`` field. A ledger that cannot be written fails this task (and so sends
a failure event) but not the run: its data is published already.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from airflow.providers.amazon.aws.hooks.athena import AthenaHook
from airflow.providers.amazon.aws.hooks.eventbridge import EventBridgeHook
from airflow.providers.amazon.aws.hooks.glue import GlueJobHook
from airflow.providers.amazon.aws.hooks.glue_catalog import GlueCatalogHook
from airflow.providers.amazon.aws.hooks.s3 import S3Hook
from airflow.providers.amazon.aws.operators.athena import AthenaOperator
from airflow.sdk import DAG, get_current_context, task

from pipelines import run_ledger
from pipelines.athena_results import all_rows
from pipelines.athena_statement import final_state_within
from pipelines.create_tables import CreateTablesOperator
from pipelines.failure_events import DESCRIBE_TASK, failed_tasks
from pipelines.glue_runs import job_runs_of
from pipelines.lambda_invocation import LAMBDA_REPORT_KEY, LambdaInvocationOperator
from pipelines.run_ledger import LEDGER_KEY, RECORD_TASK, Counts, RunRecord, Usage
from pipelines.run_targets import RunTarget
from pipelines.settings import SETTINGS
from pipelines.worker_time import WORKER_SECONDS_KEY

log = logging.getLogger(__name__)
VOLUME_ANOMALY = "Volume anomaly"


def _operator_class(t: Any) -> type:
    """A task's operator class, mapped or not."""
    return getattr(t, "operator_class", type(t))


def _values(ti: Any, task_ids: Sequence[str], key: str = "return_value") -> list[Any]:
    """The XComs ``key`` of the tasks, every map index, without the absent ones."""
    if not task_ids:
        return []
    return [v for v in ti.xcom_pull(task_ids=list(task_ids), key=key) if v is not None]


def trailing_volumes(hook: AthenaHook, run: RunRecord) -> tuple[list[int], str]:
    """The published rows of the pipeline's last successful runs, from the ledger through Athena,
    and the query's id (its cost is the run's)."""
    query_id = hook.run_query(
        run_ledger.trailing_volume_sql(SETTINGS, run.dag_id, run.run_id, datetime.now(UTC)),
        query_context={"Database": SETTINGS.ledger_database},
        result_configuration={"OutputLocation": SETTINGS.athena_output_location},
        workgroup=SETTINGS.athena_workgroup,
    )
    # A small query: watched every second as a statement is (pipelines.athena_statement) before the
    # status checks every poll interval; waiting a whole interval for it held the slot 10 s a run.
    state = final_state_within(hook, query_id, SETTINGS.defer_after_seconds) or hook.poll_query_status(
        query_id, sleep_time=SETTINGS.poll_seconds
    )
    if state != "SUCCEEDED":
        reason = hook.get_state_change_reason(query_id)
        raise RuntimeError(f"the ledger's trailing volumes query {query_id} ended {state}: {reason}")
    rows = all_rows(hook.get_query_results(query_id))
    return [int(row["rows_published"]) for row in rows if row["rows_published"] is not None], query_id


def send_volume_anomaly(source: str, detail: dict[str, Any]) -> None:
    answer = EventBridgeHook(aws_conn_id=SETTINGS.aws_conn_id).conn.put_events(
        Entries=[
            {
                "Source": source,
                "DetailType": VOLUME_ANOMALY,
                "Detail": json.dumps(detail),
                "EventBusName": SETTINGS.event_bus,
            }
        ]  # fmt: skip
    )
    if answer.get("FailedEntryCount"):
        raise RuntimeError(f"EventBridge refused the volume anomaly event: {answer['Entries']}")


def record_run(
    dag: DAG,
    *,
    source: str,
    target: RunTarget,
    glue_jobs: Sequence[str],
    counted: Sequence[str],
    publishing: Sequence[tuple[str, Sequence[str]]] = (),
) -> Any:
    """Add ``record_run`` to ``dag``, as a teardown of every task it has but its setups (call it
    after the DAG's body). ``counted``: the tasks whose figures carry a ``ledger`` part;
    ``glue_jobs``: the names of the Glue jobs the DAG runs; ``publishing``: the publish tasks and
    their tables (a table whose publish did not succeed counts no published row)."""
    work = [t for t in dag.tasks if not t.is_setup]
    task_ids = [t.task_id for t in work]
    athena_tasks = [t.task_id for t in work if issubclass(_operator_class(t), (AthenaOperator, CreateTablesOperator))]
    lambda_tasks = [t.task_id for t in work if issubclass(_operator_class(t), LambdaInvocationOperator)]

    @task(task_id=RECORD_TASK, multiple_outputs=False)
    def record(dag_run: Any = None, ti: Any = None) -> dict[str, Any]:
        states = ti.get_task_states(dag_id=dag_run.dag_id, run_ids=[dag_run.run_id]).get(dag_run.run_id, {})
        ignored = {RECORD_TASK, DESCRIBE_TASK}
        failed = [t for t in failed_tasks(states) if t not in ignored]
        value = target.value(get_current_context())
        run = RunRecord(
            dag_id=dag_run.dag_id,
            run_id=dag_run.run_id,
            target=",".join(value) if isinstance(value, list) else value,
            state="failed" if failed else "success",
            start=dag_run.start_date or datetime.now(UTC),
            end=datetime.now(UTC),
            day=(dag_run.run_after or dag_run.logical_date).astimezone(UTC).strftime("%Y-%m-%d"),
            region=SETTINGS.region,
        )
        checked = Counts.merged(v.get(LEDGER_KEY) for v in _values(ti, counted) if isinstance(v, dict))
        counts = run_ledger.published_only(checked, states, publishing)
        # a statement's id, or the list of those create_tables ran
        query_ids = [
            q for v in _values(ti, athena_tasks) for q in (v if isinstance(v, list) else [v]) if isinstance(q, str)
        ]
        athena = AthenaHook(aws_conn_id=SETTINGS.aws_conn_id)  # one client for the query and the usage
        anomaly = None
        if run.state == "success" and run.target:  # a run with nothing to process has no volume to compare
            trailing, query_id = trailing_volumes(athena, run)
            query_ids.append(query_id)
            anomaly = run_ledger.volume_anomaly(sum(counts.published.values()), trailing, SETTINGS.volume_drop_ratio)
        usage = Usage(worker_slot_seconds=round(sum(_values(ti, task_ids, WORKER_SECONDS_KEY)), 3))
        usage.athena_queries, usage.athena_bytes_scanned, usage.athena_bytes_billed = run_ledger.athena_usage(
            athena.get_conn(), query_ids
        )
        glue = GlueJobHook(aws_conn_id=SETTINGS.aws_conn_id).conn
        usage.glue_job_runs, usage.glue_dpu_seconds, usage.glue_billed_dpu_seconds = run_ledger.glue_usage(
            job_run for job in sorted(set(glue_jobs)) for job_run in job_runs_of(glue, job, run.dag_id, run.run_id)
        )
        usage.lambda_invocations, usage.lambda_billed_ms, usage.lambda_gb_seconds = run_ledger.lambda_usage(
            _values(ti, lambda_tasks, LAMBDA_REPORT_KEY)
        )
        rows = run_ledger.ledger_rows(run, counts, usage)
        key = run_ledger.write(
            S3Hook(aws_conn_id=SETTINGS.aws_conn_id).get_conn(),
            GlueCatalogHook(aws_conn_id=SETTINGS.aws_conn_id).get_conn(),
            SETTINGS,
            run,
            rows,
        )
        line = run_ledger.summary(rows[0])
        log.info("ledger s3://%s/%s: %s", SETTINGS.lake_bucket, key, line)
        detail = anomaly.detail(run) if anomaly else None
        if detail:
            log.warning("volume anomaly: %s", detail)
            send_volume_anomaly(source, detail)
        return {"summary": line, "key": key, "volume_anomaly": detail}

    recorded = record()
    work >> recorded.as_teardown()
    return recorded
