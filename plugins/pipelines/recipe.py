"""The recipe every pipeline DAG is composed from, so that a DAG file reads as its scenario.

``pipeline_dag`` opens the DAG with what every pipeline shares: task defaults (retries, the
failure's text kept), the SQL search path, the macros (``run_target()``, ``attempt_id()``,
``attempt_of(table)``, ``sql_strings``/``sql_dates``), the run target's param; and when the
``with`` block ends it adds the teardowns every run ends with: the run's ledger rows
(``pipelines.ledger_task``), then the failure event (``pipelines.failure_events``). The ``Pipeline`` it yields makes the tasks:

- ``sql``: one Athena statement from the pipeline's SQL folder (``include/sql/<pipeline>/``);
  ``create_tables``: the task creating the pipeline's missing tables, each published table with
  its attempts table from one DDL template;
- ``glue_job``: the task that creates or updates a ``GlueJob`` and runs it (its error goes into
  the failure event);
- ``crawl``: wait until the crawler is idle, create or update it, run it;
- ``find_attempts``, ``check``, ``publish``: a run's attempt at each table, the check of a
  query's answer by a verify function, and the switch of the checked partitions
  (``pipelines.partitions``). A check's figures carry the ledger's counts (``counted`` names
  another task whose figures do).

A DAG file chains these as the Amazon provider's system tests do (``chain(setup, body, ...)``).
"""

from __future__ import annotations

import contextlib
import importlib
import sys
from collections.abc import Callable, Generator, Sequence
from dataclasses import dataclass, field
from typing import Any

from airflow.providers.amazon.aws.hooks.athena import AthenaHook
from airflow.providers.amazon.aws.operators.athena import AthenaOperator
from airflow.providers.amazon.aws.operators.glue import GlueJobOperator
from airflow.sdk import DAG, get_current_context, task
from jinja2 import pass_context

from pipelines.athena_results import ResultShapeError
from pipelines.attempt_layout import attempts_table
from pipelines.crawls import crawl_tasks
from pipelines.create_tables import CreateTablesOperator
from pipelines.dag_defaults import default_args
from pipelines.failure_events import failure_event
from pipelines.glue_runs import GlueJob, MissingReportError, job_error_lookup
from pipelines.ledger_task import record_run
from pipelines.partitions import attempt_id
from pipelines.paths import include_dir
from pipelines.run_targets import RunTarget
from pipelines.settings import SETTINGS
from pipelines.sql import MACROS
from pipelines.tasks import (
    athena_statement,
    fail_fast,
    find_attempt,
    find_attempt_task_id,
    publish_attempts,
    verify_writer_lock,
)


def _sql_params(pipeline: str) -> dict[str, Any]:
    """``pipelines.<pipeline>.tables.sql_params(SETTINGS)``, or none for a pipeline without SQL."""
    try:
        tables = importlib.import_module(f"pipelines.{pipeline}.tables")
    except ModuleNotFoundError:
        return {}
    return tables.sql_params(SETTINGS) if hasattr(tables, "sql_params") else {}


def _dag_file() -> str:
    """The file of the code that opened ``pipeline_dag`` (past contextlib's frames): the DAG
    file, beside which ``include/`` is found on MWAA as in the repository (pipelines.paths)."""
    frame = sys._getframe(1)
    while frame.f_code.co_filename in (__file__, contextlib.__file__):
        frame = frame.f_back
    return frame.f_code.co_filename


def _attempt_name(ti: Any, table: str) -> str:
    """The name of the run's attempt at ``table``, as its ``find_<table>_attempt`` task found it."""
    return ti.xcom_pull(task_ids=find_attempt_task_id(table))["name"]


@pass_context
def attempt_of(context: Any, table: str) -> str:
    """Jinja's ``{{ attempt_of("table") }}`` (``_attempt_name``)."""
    return _attempt_name(context["ti"], table)


@dataclass(frozen=True)
class Run:
    """What a check's verify function may ask of the run: its target, the attempts found, the
    ``dag_run`` (for a Glue job's report: ``JOB.report(run.dag_run)``)."""

    target: Any  # str, or list[str] for a list target
    dag_run: Any
    ti: Any

    def attempt(self, table: str) -> str:
        return _attempt_name(self.ti, table)


# (GetQueryResults' answer, the run) -> the checked figures; raises one of the check's errors
Verify = Callable[[dict[str, Any], Run], dict[str, Any]]


@dataclass
class Pipeline:
    """The task makers of one pipeline DAG (see the module)."""

    dag: DAG
    name: str
    target: RunTarget
    sql_params: dict[str, Any]
    database: str
    _glue_jobs: list[tuple[str, str]] = field(default_factory=list)  # (job name, task id)
    _counted: list[str] = field(default_factory=list)  # tasks whose figures carry ledger counts
    _publishing: list[tuple[str, Sequence[str]]] = field(default_factory=list)  # (publish task, its tables)

    def counted(self, figures: Any) -> Any:
        """Count ``figures`` (a task or its output) in the run ledger: its dict's ``ledger`` part
        (``pipelines.run_ledger.ledger_counts``). ``check`` does so for its own."""
        self._counted.append(getattr(figures, "operator", figures).task_id)
        return figures

    def sql(
        self, task_id: str, sql_file: str | None = None, *, database: str | None = None, **params: Any
    ) -> AthenaOperator:
        """The statement of ``include/sql/<pipeline>/<sql_file or task_id>.sql``; ``params``: more
        ``params.*`` for this statement besides the pipeline's."""
        return athena_statement(
            task_id,
            f"{self.name}/{sql_file or task_id}.sql",
            params={**self.sql_params, **params},
            database=database or self.database,
        )

    def create_tables(
        self, *published: str, template: str | None = None, statements: Sequence[str] = ()
    ) -> CreateTablesOperator:
        """``create_tables``: one task creating the pipeline's tables the catalog does not hold yet
        (``pipelines.create_tables``): first each of ``statements`` (SQL files, e.g. a raw
        table's), then each of ``published`` and its attempts table, from one DDL template
        (``<template or create_<table>>.sql``) given ``params.table`` (the one to create),
        ``params.published`` and ``params.attempts``."""
        ddl = [(f"{self.name}/{sql_file}.sql", {}) for sql_file in statements]
        ddl += [
            (f"{self.name}/{template or f'create_{table}'}.sql", {"table": name, "published": table, "attempts": name != table})
            for table in published
            for name in (table, attempts_table(table))
        ]  # fmt: skip
        return CreateTablesOperator(
            task_id="create_tables",
            ddl=ddl,
            params=self.sql_params,
            database=self.database,
            workgroup=SETTINGS.athena_workgroup,
            output_location=SETTINGS.athena_output_location,
            aws_conn_id=SETTINGS.aws_conn_id,
            deferrable=SETTINGS.deferrable,
            defer_after=SETTINGS.defer_after_seconds,
            sleep_time=SETTINGS.poll_seconds,
        )

    def glue_job(
        self, task_id: str, job: GlueJob, script_args: dict[str, str], *, concurrent_run_limit: int = 1, **kwargs: Any
    ) -> GlueJobOperator:
        """Create or update ``job`` from its declaration and run it with ``script_args`` (and
        ``--attempt``), waiting deferred; its log lines in the task's log. At most
        ``concurrent_run_limit`` runs of the job at once (its MaxConcurrentRuns), and so at most
        that many of this task across the DAG's runs, scheduled, manual and backfilled alike
        (deferred ones count): a run more would be refused by Glue (ConcurrentRunsExceeded)."""
        name = job.name(SETTINGS)
        self._glue_jobs.append((name, task_id))
        return GlueJobOperator(
            task_id=task_id,
            job_name=name,
            iam_role_arn=SETTINGS.glue_role,
            create_job_kwargs=job.config(SETTINGS),
            update_config=True,  # the job's definition follows this code
            script_args={**script_args, "--attempt": "{{ attempt_id() }}"},
            aws_conn_id=SETTINGS.aws_conn_id,
            region_name=SETTINGS.region,
            verbose=True,  # the job's log lines in the task's log (the triggerer's part when deferred)
            deferrable=SETTINGS.deferrable,
            job_poll_interval=SETTINGS.poll_seconds,
            waiter_delay=SETTINGS.poll_seconds,
            waiter_max_attempts=job.timeout_minutes * 60 // SETTINGS.poll_seconds,
            wait_for_completion=True,
            stop_job_run_on_kill=True,
            concurrent_run_limit=concurrent_run_limit,
            max_active_tis_per_dag=concurrent_run_limit,
            **kwargs,
        )

    def crawl(self, config: dict[str, Any]) -> tuple[Any, Any, Any]:
        """``wait_for_idle_crawler``, ``configure_crawler``, ``crawl_raw`` (``pipelines.crawls``)."""
        return crawl_tasks(config)

    def find_attempts(
        self, tables: Sequence[str], *, required: Sequence[str] = (), database: str | None = None
    ) -> list:
        """One ``find_<table>_attempt`` task per table (an INSERT of no rows registers none: an
        empty attempt, or a failed run for the ``required`` tables)."""
        return [find_attempt(table, required=table in required, database=database or self.database) for table in tables]

    def check(
        self, task_id: str, query: AthenaOperator, verify: Verify, *, errors: Sequence[type[Exception]] = ()
    ) -> Any:
        """The task that reads ``query``'s answer and returns ``verify``'s figures; ``errors``
        (and a result of the wrong shape, or a job without its report) fail the run at once."""

        @task(task_id=task_id, multiple_outputs=False)
        @fail_fast(ResultShapeError, MissingReportError, *errors)
        def checked(query_execution_id: str) -> dict:
            # No operator returns a query's rows; the provider's hook reads them.
            results = AthenaHook(aws_conn_id=SETTINGS.aws_conn_id).get_query_results(query_execution_id)
            context = get_current_context()
            run = Run(self.target.value(context), context["dag_run"], context["ti"])
            return verify(results, run)

        return self.counted(checked(query.output))

    def publish(
        self,
        tables: Sequence[str],
        covered: Callable[[Any], dict[str, list[list[str]]]],
        *,
        task_id: str = "publish",
        database: str | None = None,
        lock: str | None = None,
    ) -> Any:
        """The task that switches each table's partitions to the run's checked attempt, in the
        order given; ``covered(target)``: per table, the partitions the run answers for (one it
        wrote no row for is removed). With ``lock``, it first verifies the run still holds it."""

        self._publishing.append((task_id, tuple(tables)))

        @task(task_id=task_id, multiple_outputs=False)
        def published() -> dict:
            context = get_current_context()
            if lock:
                verify_writer_lock(lock, context["dag_run"])
            target = self.target.value(context)
            return publish_attempts(
                tables, covered(target), context["ti"], context["dag_run"], database or self.database
            )

        return published()


@contextlib.contextmanager
def pipeline_dag(
    dag_id: str,
    *,
    pipeline: str,
    target: RunTarget,
    failure: str,
    schedule: Any,
    database: str = SETTINGS.lake_database,
    **dag_kwargs: Any,
) -> Generator[Pipeline, None, None]:
    """A pipeline DAG (see the module). ``pipeline``: its name: its package under ``pipelines``
    (whose ``tables.sql_params`` give its SQL's ``params.*``), its SQL folder, its events' source
    ``pipelines.<pipeline>``; ``target``: what a run processes, as ``RunTarget.asked`` gives it;
    ``failure``: the failure event's detail-type; the rest goes to ``DAG``."""
    dag_file = _dag_file()
    with DAG(
        dag_id=dag_id,
        schedule=schedule,
        catchup=False,
        default_args=default_args(),
        template_searchpath=[str(include_dir(dag_file) / "sql")],
        user_defined_macros={
            "run_target": target.macro(),
            "attempt_id": attempt_id,
            "attempt_of": attempt_of,
            **MACROS,
        },
        params={target.param_name: target.param()},
        **dag_kwargs,
    ) as dag:
        dag.fileloc = dag_file  # not this module's
        recipe = Pipeline(dag, pipeline, target, _sql_params(pipeline), database)
        yield recipe
        record_run(
            dag,
            source=f"pipelines.{pipeline}",
            target=target,
            glue_jobs=[job for job, _ in recipe._glue_jobs],
            counted=recipe._counted,
            publishing=recipe._publishing,
        )
        failure_event(
            dag,
            source=f"pipelines.{pipeline}",
            detail_type=failure,
            target={target.event_field: target.event_template()},
            error_lookups=[job_error_lookup(job, task_id) for job, task_id in recipe._glue_jobs],
        )
