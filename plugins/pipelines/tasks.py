"""The task builders under pipelines.recipe: Athena statements, writer locks, a run's attempts and
their publication, fail-fast errors."""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

from airflow.providers.amazon.aws.hooks.glue_catalog import GlueCatalogHook
from airflow.providers.amazon.aws.hooks.s3 import S3Hook
from airflow.providers.amazon.aws.operators.athena import AthenaOperator
from airflow.sdk import PokeReturnValue, task
from airflow.sdk.exceptions import AirflowFailException

from pipelines import writer_lock
from pipelines.athena_statement import AthenaStatementOperator
from pipelines.attempt_layout import attempts_table
from pipelines.partitions import Attempt, NoAttemptError, latest_attempt, publish, run_key
from pipelines.settings import SETTINGS

log = logging.getLogger(__name__)
F = TypeVar("F", bound=Callable[..., Any])
LEASE = timedelta(minutes=SETTINGS.writer_lock_lease_minutes)


def athena_statement(task_id: str, sql_file: str, **kwargs: Any) -> AthenaOperator:
    """One Athena statement from a SQL file under include/sql/, in the project's workgroup;
    deferred to the triggerer when it runs longer than ``defer_after_seconds``."""
    kwargs.setdefault("database", SETTINGS.lake_database)
    return AthenaStatementOperator(
        task_id=task_id,
        query=sql_file,
        workgroup=SETTINGS.athena_workgroup,
        output_location=SETTINGS.athena_output_location,
        aws_conn_id=SETTINGS.aws_conn_id,
        deferrable=SETTINGS.deferrable,  # the triggerer waits for the query, not a worker slot
        defer_after=SETTINGS.defer_after_seconds,
        sleep_time=SETTINGS.poll_seconds,
        **kwargs,
    )


def holder(dag_run: Any) -> str:
    return f"{dag_run.dag_id}/{dag_run.run_id}"


def acquire_writer_lock(name: str) -> Any:
    """A sensor task that waits until this run holds the writer lock ``name`` (pipelines.writer_lock).
    Reschedule mode: a waiting run holds no worker slot between pokes."""

    @task.sensor(task_id="acquire_writer_lock", poke_interval=30, timeout=LEASE.total_seconds(), mode="reschedule")
    def acquire(dag_run: Any = None) -> PokeReturnValue:
        s3 = S3Hook(aws_conn_id=SETTINGS.aws_conn_id).get_conn()
        acquired, by = writer_lock.try_acquire(
            s3, SETTINGS.lake_bucket, name, holder(dag_run), datetime.now(UTC), LEASE
        )
        if not acquired:
            log.info("writer lock %r is held by %s: waiting", name, by)
        return PokeReturnValue(is_done=acquired)

    return acquire()


def release_writer_lock(name: str) -> Any:
    """The task that releases the lock whatever happened to the run (use it as a teardown)."""

    @task(task_id="release_writer_lock")
    def release(dag_run: Any = None) -> bool:
        s3 = S3Hook(aws_conn_id=SETTINGS.aws_conn_id).get_conn()
        return writer_lock.release(s3, SETTINGS.lake_bucket, name, holder(dag_run))

    return release()


def verify_writer_lock(name: str, dag_run: Any) -> None:
    """Fail unless this run still holds ``name`` (called right before publishing)."""
    s3 = S3Hook(aws_conn_id=SETTINGS.aws_conn_id).get_conn()
    try:
        writer_lock.verify_held(s3, SETTINGS.lake_bucket, name, holder(dag_run), datetime.now(UTC))
    except writer_lock.LockLostError as err:
        raise AirflowFailException(str(err)) from err


def find_attempt_task_id(table: str) -> str:
    return f"find_{table}_attempt"


def find_attempt(table: str, *, required: bool = False, database: str = SETTINGS.lake_database) -> Any:
    """A task returning the run's latest attempt at ``table`` of ``database`` (pipelines.partitions).
    An INSERT of no rows registers none: with ``required`` that fails the run, else an empty attempt."""

    @task(task_id=find_attempt_task_id(table), multiple_outputs=False)
    @fail_fast(NoAttemptError)
    def find(dag_run: Any = None) -> dict:
        glue = GlueCatalogHook(aws_conn_id=SETTINGS.aws_conn_id).get_conn()
        run = run_key(dag_run.dag_id, dag_run.run_id)
        return latest_attempt(glue, database, attempts_table(table), run, required=required).to_xcom()

    return find()


def publish_attempts(
    tables: Iterable[str],
    covered: Mapping[str, list[list[str]]],
    ti: Any,
    dag_run: Any,
    database: str = SETTINGS.lake_database,
) -> dict:
    """Publish each table's attempt, as its ``find_attempt`` task found it, in the order given
    (pipelines.partitions.publish); ``covered``: per table, the partitions the run answers for.
    No operator switches a partition's location; the provider's hooks give the clients."""
    glue = GlueCatalogHook(aws_conn_id=SETTINGS.aws_conn_id).get_conn()
    s3 = S3Hook(aws_conn_id=SETTINGS.aws_conn_id).get_conn()
    run = run_key(dag_run.dag_id, dag_run.run_id)
    return {
        table: publish(
            glue, s3, database, table, attempts_table(table),
            Attempt.from_xcom(ti.xcom_pull(task_ids=find_attempt_task_id(table))), run,
            covered=covered.get(table),
        )
        for table in tables
    }  # fmt: skip


def fail_fast(*errors: type[Exception]) -> Callable[[F], F]:
    """Make ``errors`` fail the task at once (Airflow's AirflowFailException): they are
    deterministic, a retry would meet the same data and the same answer. Others still retry."""

    def decorate(function: F) -> F:
        @functools.wraps(function)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            try:
                return function(*args, **kwargs)
            except errors as err:
                raise AirflowFailException(str(err)) from err

        return wrapper  # type: ignore[return-value]

    return decorate
