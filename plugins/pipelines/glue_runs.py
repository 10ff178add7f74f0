"""A pipeline's Glue Spark job, declared once (``GlueJob``): its definition, its latest run's
error for the failure event, and the report its latest try wrote (tries named by
pipelines.partitions). ``pipelines.recipe`` makes the task that runs it."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from airflow.providers.amazon.aws.hooks.glue import GlueJobHook
from airflow.providers.amazon.aws.hooks.s3 import S3Hook

from pipelines.attempt_layout import report_key
from pipelines.failure_events import ErrorLookup
from pipelines.partitions import run_key, try_number
from pipelines.settings import SETTINGS, Settings


def job_config(settings: Settings, script_key: str, timeout_minutes: int, database: str) -> dict[str, Any]:
    """GlueJobOperator's create_job_kwargs: Glue 5, the smallest Spark worker pool, the buckets and
    ``database``, the script at ``script_key`` in the artifacts bucket. Written as GetJob answers
    it (the Command's PythonVersion included), so the provider's create-or-update finds nothing to
    update on every run."""
    return {
        "Command": {
            "Name": "glueetl",
            "ScriptLocation": f"s3://{settings.artifacts_bucket}/{script_key}",
            "PythonVersion": "3",
        },
        "GlueVersion": "5.0",
        "WorkerType": "G.1X",
        "NumberOfWorkers": 2,
        "Timeout": timeout_minutes,
        "DefaultArguments": {
            "--enable-continuous-cloudwatch-log": "true",
            "--raw_bucket": settings.raw_bucket,
            "--lake_bucket": settings.lake_bucket,
            "--database": database,
        },
    }


def job_runs_of(glue: Any, job: str, dag_id: str, run_id: str) -> list[dict]:
    """Every run of ``job`` that a try of this DAG run started (its ``--attempt`` is
    ``<run key>-<try>``), from every page of GetJobRuns."""
    prefix = f"{run_key(dag_id, run_id)}-"
    return [
        job_run
        for page in glue.get_paginator("get_job_runs").paginate(JobName=job)
        for job_run in page["JobRuns"]
        if job_run.get("Arguments", {}).get("--attempt", "").startswith(prefix)
    ]


def job_error_lookup(job: str, task_id: str) -> ErrorLookup:
    """The failure event's error lookup: the ErrorMessage of the run's last run of ``job``, if ``task_id`` failed."""

    def lookup(failed: list[str], dag_run: Any) -> str | None:
        if task_id not in failed:
            return None
        glue = GlueJobHook(aws_conn_id=SETTINGS.aws_conn_id, job_name=job).conn
        ours = job_runs_of(glue, job, dag_run.dag_id, dag_run.run_id)
        latest = max(ours, key=lambda r: r["StartedOn"], default=None)
        return latest and latest.get("ErrorMessage") and f"Glue job {job} run {latest['Id']}: {latest['ErrorMessage']}"

    return lookup


class MissingReportError(RuntimeError):
    """The run's Glue job wrote no report: its output cannot be checked."""


def latest_report(dag_run: Any, reports_prefix: str) -> dict:
    """The report (``<reports_prefix><attempt>.json`` in the lake bucket) of the run's last job try."""
    s3 = S3Hook(aws_conn_id=SETTINGS.aws_conn_id)
    keys = s3.list_keys(SETTINGS.lake_bucket, prefix=f"{reports_prefix}{run_key(dag_run.dag_id, dag_run.run_id)}-")
    if not keys:
        raise MissingReportError(
            f"the Glue job of run {dag_run.run_id} wrote no report under s3://{SETTINGS.lake_bucket}/{reports_prefix}"
        )
    latest = max(keys, key=lambda key: try_number(key.removesuffix(".json")))
    return json.loads(s3.read_key(latest, SETTINGS.lake_bucket))


# The modules every job imports besides its script: the attempts layout, one file for the DAGs and the jobs.
SHARED_MODULES = ("glue/attempt_layout.py",)


@dataclass(frozen=True)
class GlueJob:
    """One pipeline's Glue job: ``pipelines-<env>-<suffix>``, its script (and ``extra_py_files``)
    in the artifacts bucket, the database it writes (a Settings field), where each try writes its report in the
    lake bucket (``<reports_prefix><attempt>.json``)."""

    suffix: str
    script_key: str
    database_setting: str  # the Settings field naming the database the job writes
    reports_prefix: str
    timeout_minutes: int = 60
    extra_py_files: tuple[str, ...] = field(default=())  # besides SHARED_MODULES, which every job gets

    def name(self, settings: Settings) -> str:
        return f"pipelines-{settings.env}-{self.suffix}"

    def config(self, settings: Settings) -> dict[str, Any]:
        """GlueJobOperator's create_job_kwargs (see ``job_config``)."""
        config = job_config(settings, self.script_key, self.timeout_minutes, getattr(settings, self.database_setting))
        config["DefaultArguments"]["--reports_prefix"] = self.reports_prefix
        config["DefaultArguments"]["--extra-py-files"] = ",".join(
            f"s3://{settings.artifacts_bucket}/{key}" for key in (*SHARED_MODULES, *self.extra_py_files)
        )
        return config

    def files(self) -> tuple[str, ...]:
        """Every file the job reads from the artifacts bucket (``deploy/glue_scripts.py`` ships them)."""
        return (self.script_key, *SHARED_MODULES, *self.extra_py_files)

    def report_key(self, attempt: str) -> str:
        """Where the try ``attempt`` writes its figures, in the lake bucket."""
        return report_key(self.reports_prefix, attempt)

    def report(self, dag_run: Any) -> dict:
        """The report of the run's last try."""
        return latest_report(dag_run, self.reports_prefix)
