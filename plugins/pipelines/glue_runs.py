"""What the DAGs that run a Glue Spark job share: the job's definition, its latest run's error
for the failure event, and the report its latest try wrote (tries named by pipelines.partitions)."""

from __future__ import annotations

import json
from typing import Any

from airflow.providers.amazon.aws.hooks.glue import GlueJobHook
from airflow.providers.amazon.aws.hooks.s3 import S3Hook

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


def job_error_lookup(job: str, task_id: str) -> ErrorLookup:
    """The failure event's error lookup: the ErrorMessage of the run's last run of ``job``, if ``task_id`` failed."""

    def lookup(failed: list[str], dag_run: Any) -> str | None:
        if task_id not in failed:
            return None
        runs = GlueJobHook(aws_conn_id=SETTINGS.aws_conn_id, job_name=job).conn.get_job_runs(JobName=job)["JobRuns"]
        prefix = f"{run_key(dag_run.dag_id, dag_run.run_id)}-"
        ours = [r for r in runs if r.get("Arguments", {}).get("--attempt", "").startswith(prefix)]
        latest = max(ours, key=lambda r: r["StartedOn"], default=None)
        return latest and latest.get("ErrorMessage") and f"Glue job {job} run {latest['Id']}: {latest['ErrorMessage']}"

    return lookup


def latest_report(dag_run: Any, reports_prefix: str, missing: type[Exception]) -> dict:
    """The report (``<reports_prefix><attempt>.json`` in the lake bucket) of the run's last job try;
    ``missing`` is raised when the job wrote none."""
    s3 = S3Hook(aws_conn_id=SETTINGS.aws_conn_id)
    keys = s3.list_keys(SETTINGS.lake_bucket, prefix=f"{reports_prefix}{run_key(dag_run.dag_id, dag_run.run_id)}-")
    if not keys:
        raise missing(
            f"the Glue job of run {dag_run.run_id} wrote no report under s3://{SETTINGS.lake_bucket}/{reports_prefix}"
        )
    latest = max(keys, key=lambda key: try_number(key.removesuffix(".json")))
    return json.loads(s3.read_key(latest, SETTINGS.lake_bucket))
