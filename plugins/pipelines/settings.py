"""Every environment-specific name the DAGs use, in one place.

Values come from environment variables with documented defaults. Reading ``os.environ`` is
cheap and safe at DAG parse time: no Airflow Variable or Connection look-ups, no network.
On MWAA the startup script (``deploy/startup.sh``) exports them; locally the defaults apply.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, fields


@dataclass(frozen=True)
class Setting:
    env_var: str
    default: str
    doc: str


# name -> (environment variable, default, what it is). ``{env}``, ``{region}`` and ``{account}``
# expand to PIPELINES_ENV, PIPELINES_AWS_REGION and PIPELINES_AWS_ACCOUNT_ID. Bucket names are
# global across every AWS account, so each carries the account (as MWAA's bucket does).
SPEC: dict[str, Setting] = {
    "env": Setting("PIPELINES_ENV", "local", "Deployment name, part of every default resource name."),
    "region": Setting("PIPELINES_AWS_REGION", "us-east-1", "AWS region of all resources."),
    "account": Setting(
        "PIPELINES_AWS_ACCOUNT_ID",
        "123456789012",
        "AWS account of all resources (default: the local AWS's; make deploy writes the real one into startup.sh).",
    ),
    "aws_conn_id": Setting("PIPELINES_AWS_CONN_ID", "aws_default", "Airflow connection used by every AWS operator."),
    "retry_delay_seconds": Setting(
        "PIPELINES_RETRY_DELAY_SECONDS", "30", "First retry delay of every task (doubles per retry, at most 10 min)."
    ),
    "deferrable": Setting(
        "PIPELINES_DEFERRABLE",
        "true",
        "Every wait on AWS work (Athena statement, crawl, S3 key) is deferred to the triggerer: no worker slot held.",
    ),
    "poll_seconds": Setting(
        "PIPELINES_POLL_SECONDS",
        "10",
        "Seconds between two status checks of a wait on AWS (local stacks: 1, for speed).",
    ),
    "defer_after_seconds": Setting(
        "PIPELINES_DEFER_AFTER_SECONDS",
        "5",
        "An Athena statement still running after this long in the worker is deferred; a shorter one is not worth it.",
    ),
    "raw_bucket": Setting("PIPELINES_RAW_BUCKET", "pipelines-{env}-raw-{account}", "Landing bucket for raw input."),
    "lake_bucket": Setting(
        "PIPELINES_LAKE_BUCKET", "pipelines-{env}-lake-{account}", "Processed and aggregated tables."
    ),
    "athena_results_bucket": Setting(
        "PIPELINES_ATHENA_RESULTS_BUCKET", "pipelines-{env}-athena-results-{account}", "Athena query results."
    ),
    "artifacts_bucket": Setting(
        "PIPELINES_ARTIFACTS_BUCKET",
        "pipelines-{env}-artifacts-{account}",
        "Glue scripts, Lambda packages, health checks.",
    ),
    "raw_database": Setting("PIPELINES_RAW_DATABASE", "pipelines_{env}_raw", "Glue database of raw tables."),
    "lake_database": Setting("PIPELINES_LAKE_DATABASE", "pipelines_{env}_lake", "Glue database of processed tables."),
    "aggregated_database": Setting(
        "PIPELINES_AGGREGATED_DATABASE", "pipelines_{env}_aggregated", "Glue database of the web-hit aggregates."
    ),
    "ledger_database": Setting(
        "PIPELINES_LEDGER_DATABASE", "pipelines_{env}_ledger", "Glue database of the run ledger (table run_ledger)."
    ),
    "volume_drop_ratio": Setting(
        "PIPELINES_VOLUME_DROP_RATIO",
        "0.5",
        "A run publishing fewer rows than this times the median of the pipeline's last 7 runs sends a Volume anomaly event.",
    ),
    "athena_workgroup": Setting("PIPELINES_ATHENA_WORKGROUP", "pipelines-{env}", "Athena workgroup of every query."),
    "event_bus": Setting(
        "PIPELINES_EVENT_BUS", "pipelines-{env}-events", "EventBridge bus for pipeline failure events."
    ),
    "failure_queue": Setting(
        "PIPELINES_FAILURE_QUEUE",
        "pipelines-{env}-failure-events",
        "SQS queue a rule on the event bus sends every failure event to (created by the local stack).",
    ),
    "glue_role": Setting(
        "PIPELINES_GLUE_ROLE",
        "arn:aws:iam::{account}:role/pipelines-{env}-glue",
        "IAM role of Glue crawlers and jobs.",
    ),
    "uber_movement_stream": Setting(
        "PIPELINES_UBER_MOVEMENT_STREAM",
        "pipelines-{env}-uber-movement",
        "Kinesis data stream the Uber Movement rows are put on (replay producer, ingest endpoint).",
    ),
    "uber_movement_delivery_stream": Setting(
        "PIPELINES_UBER_MOVEMENT_DELIVERY_STREAM",
        "pipelines-{env}-uber-movement-to-s3",
        "Firehose delivery stream landing that stream in s3://<raw bucket>/uber_movement/YYYY/MM/DD/HH/.",
    ),
    "uber_movement_queue_url": Setting(
        "PIPELINES_UBER_MOVEMENT_QUEUE_URL",
        "https://sqs.{region}.amazonaws.com/{account}/pipelines-{env}-uber-movement-arrivals",
        "SQS queue receiving the raw bucket's ObjectCreated events under uber_movement/ (the DAG's asset watcher).",
    ),
    "writer_lock_lease_minutes": Setting(
        "PIPELINES_WRITER_LOCK_LEASE_MINUTES",
        "360",
        "Lease of a run's writer lock (pipelines.writer_lock), and the longest such a run may last.",
    ),
    "vehicle_api_secret": Setting(
        "PIPELINES_VEHICLE_API_SECRET",
        "pipelines/{env}/vehicle-api",
        "Secrets Manager secret with the vehicle API's base URL and OAuth client credentials.",
    ),
    "vehicle_api_lambda": Setting(
        "PIPELINES_VEHICLE_API_LAMBDA", "pipelines-{env}-vehicle-api-downloader", "Downloader Lambda function."
    ),
    "mwaa_class": Setting(
        "PIPELINES_MWAA_CLASS",
        "mw1.small",
        "MWAA environment class: make deploy's, and the one the local stacks imitate (their workers' task slots).",
    ),
    "local_pace": Setting(
        "PIPELINES_LOCAL_PACE",
        "instant",
        "Local stacks only: `aws` makes every local engine take at least as long as AWS takes (local/aws/pace.py).",
    ),
    "vehicle_api_pool": Setting(
        "PIPELINES_VEHICLE_API_POOL", "vehicle_api", "Airflow pool bounding concurrent downloads against the API."
    ),
    "vehicle_api_page_size": Setting("PIPELINES_VEHICLE_API_PAGE_SIZE", "50000", "Records per API page (1..50000)."),
    "vehicle_api_pool_slots": Setting(
        "PIPELINES_VEHICLE_API_POOL_SLOTS", "8", "Slots of that pool (make deploy and the local stacks create it)."
    ),
    "vehicle_api_rate_limit": Setting(
        "PIPELINES_VEHICLE_API_RATE_LIMIT",
        "10",
        "Requests per second the vehicle API allows this client, over all endpoints (shared by the pool's slots).",
    ),
    "vehicle_api_page_seconds": Setting(
        "PIPELINES_VEHICLE_API_PAGE_SECONDS",
        "10",
        "Seconds the downloader takes for one page without waiting on the rate limit (fetch, check, write).",
    ),
}


@dataclass(frozen=True)
class Settings:
    env: str
    region: str
    account: str
    aws_conn_id: str
    retry_delay_seconds: int
    deferrable: bool
    poll_seconds: int
    defer_after_seconds: int
    raw_bucket: str
    lake_bucket: str
    athena_results_bucket: str
    artifacts_bucket: str
    raw_database: str
    lake_database: str
    aggregated_database: str
    ledger_database: str
    volume_drop_ratio: float
    athena_workgroup: str
    event_bus: str
    failure_queue: str
    glue_role: str
    uber_movement_stream: str
    uber_movement_delivery_stream: str
    uber_movement_queue_url: str
    writer_lock_lease_minutes: int
    vehicle_api_secret: str
    vehicle_api_lambda: str
    mwaa_class: str
    local_pace: str
    vehicle_api_pool: str
    vehicle_api_page_size: int
    vehicle_api_pool_slots: int
    vehicle_api_rate_limit: float
    vehicle_api_page_seconds: float

    @property
    def athena_output_location(self) -> str:
        return f"s3://{self.athena_results_bucket}/results/"


def load(environ: Mapping[str, str] | None = None) -> Settings:
    """Read the settings from ``environ`` (default: the process environment)."""
    environ = os.environ if environ is None else environ
    names = {name: environ.get(SPEC[name].env_var, SPEC[name].default) for name in ("env", "region", "account")}
    values = {name: environ.get(spec.env_var, spec.default.format(**names)) for name, spec in SPEC.items()}
    return Settings(**{f.name: _typed(f.name, f.type, values[f.name]) for f in fields(Settings)})


def _typed(name: str, type_name: object, value: str) -> str | int | float | bool:
    if type_name == "int":
        return int(value)
    if type_name == "float":
        if float(value) <= 0:
            raise ValueError(f"{SPEC[name].env_var} must be positive, not {value!r}")
        return float(value)
    if type_name == "bool":
        if value.strip().lower() not in ("true", "false"):
            raise ValueError(f"{SPEC[name].env_var} must be true or false, not {value!r}")
        return value.strip().lower() == "true"
    return value


assert [f.name for f in fields(Settings)] == list(SPEC), "Settings fields and SPEC must list the same names"


def reference() -> str:
    """docs/settings.md, written from ``SPEC`` (``python -m pipelines.settings > docs/settings.md``)."""
    rows = "\n".join(f"| `{s.env_var}` | `{s.default}` | {s.doc} |" for s in SPEC.values())
    return (
        "# Settings\n\n"
        "Every environment-specific name and knob, read from the environment when a DAG file is parsed\n"
        "(cheap, no network), with these defaults. `{env}`, `{region}` and `{account}` stand for\n"
        "`PIPELINES_ENV`, `PIPELINES_AWS_REGION` and `PIPELINES_AWS_ACCOUNT_ID`. Written from\n"
        "`plugins/pipelines/settings.py` (`SPEC`) by `python -m pipelines.settings`; a test keeps the two equal.\n\n"
        "| variable | default | what |\n|---|---|---|\n"
        f"{rows}\n"
    )


SETTINGS = load()

if __name__ == "__main__":
    print(reference(), end="")
