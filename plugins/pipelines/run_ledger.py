"""The run ledger: every pipeline run's rows, rejects, AWS usage and cost, in one Athena table.

Each run writes one Parquet object, ``ledger/run_ledger/day=<day>/<run key>.parquet`` in the
lake bucket, holding one row for the run and one per table it published; the table
``run_ledger`` of the ledger database (``pipelines_<env>_ledger``, made by the template and the
local bootstrap) is partitioned by ``day``, the UTC day of the run's ``run_after`` (the day a
scheduled run was due; a backfilled run keeps its historical day). A retried record replaces
the object as a whole: readers see the old rows or the new ones, exactly once.

Counts come from the checks (each check's figures carry a ``ledger`` part: ``ledger_counts``);
usage from AWS itself: Athena's statistics of the run's statements, Glue's job runs of every
try, the Lambda invocations' REPORT lines, the tasks' worker time (``pipelines.worker_time``);
the cost from ``pipelines.list_prices``.
"""

from __future__ import annotations

import io
import statistics
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, fields
from datetime import UTC, datetime, timedelta
from typing import Any

from pipelines.list_prices import (
    PRICES,
    Prices,
    athena_billed_bytes,
    athena_cost,
    glue_billed_dpu_seconds,
    glue_cost,
    lambda_cost,
    lambda_gb_seconds,
)
from pipelines.partitions import run_key
from pipelines.settings import Settings

RECORD_TASK = "record_run"  # the recipe's task that writes a run's rows (pipelines.ledger_task)
TABLE = "run_ledger"
PREFIX = f"ledger/{TABLE}/"
LEDGER_KEY = "ledger"  # the part of a check's figures that the ledger counts
VOLUME_WINDOW = 7  # trailing successful runs the volume anomaly compares with
VOLUME_LOOKBACK_DAYS = 62  # ledger days the comparison reads (partition pruning)
WORKER_DPU = {"G.025X": 0.25, "G.1X": 1, "G.2X": 2, "G.4X": 4, "G.8X": 8}

# (column, Hive type): the table's columns in order; the template's Glue table has the same.
COLUMNS: list[tuple[str, str]] = [
    ("dag_id", "string"),
    ("run_id", "string"),
    ("target", "string"),  # the run's day, hour, or its days/hours joined by ","
    ("state", "string"),  # success or failed
    ("start_time", "timestamp"),
    ("end_time", "timestamp"),
    ("table_name", "string"),  # NULL on the run's row; the published table on the others
    ("rows_read", "bigint"),
    ("rows_rejected", "bigint"),
    ("rejected_by_reason", "map<string,bigint>"),
    ("rows_published", "bigint"),
    ("athena_queries", "int"),
    ("athena_bytes_scanned", "bigint"),
    ("athena_bytes_billed", "bigint"),
    ("glue_job_runs", "int"),
    ("glue_dpu_seconds", "double"),
    ("lambda_invocations", "int"),
    ("lambda_billed_ms", "bigint"),
    ("worker_slot_seconds", "double"),
    ("cost_usd", "double"),
    ("region", "string"),
]
PARTITION_KEY = ("day", "string")


def ledger_counts(*, read: int, rejected: Mapping[str, int], published: Mapping[str, int]) -> dict[str, Any]:
    """The ``ledger`` part of a check's figures: rows the run read, rejected (per reason), and
    published (per table)."""
    return {"read": int(read), "rejected": {k: int(v) for k, v in rejected.items() if v}, "published": dict(published)}


@dataclass
class Counts:
    read: int = 0
    rejected: dict[str, int] = field(default_factory=dict)
    published: dict[str, int] = field(default_factory=dict)

    @classmethod
    def merged(cls, parts: Iterable[Mapping[str, Any] | None]) -> Counts:
        """The sum of the checks' ``ledger`` parts (None: a check that did not run)."""
        counts = cls()
        for part in parts:
            if not part:
                continue
            counts.read += part["read"]
            for reason, n in part["rejected"].items():
                counts.rejected[reason] = counts.rejected.get(reason, 0) + n
            for table, n in part["published"].items():
                counts.published[table] = counts.published.get(table, 0) + n
        return counts


def published_only(
    counts: Counts, states: Mapping[str, str], publishing: Iterable[tuple[str, Sequence[str]]]
) -> Counts:
    """``counts`` without the tables of a publish task that did not succeed: a check passed
    them, but nothing of them was published (``publishing``: (task id, its tables))."""
    kept = dict(counts.published)
    for task_id, tables in publishing:
        if states.get(task_id) != "success":
            for table in tables:
                kept.pop(table, None)
    return Counts(counts.read, dict(counts.rejected), kept)


@dataclass
class Usage:
    """What the run asked of AWS, as AWS reports it."""

    athena_queries: int = 0
    athena_bytes_scanned: int = 0
    athena_bytes_billed: int = 0
    glue_job_runs: int = 0
    glue_dpu_seconds: float = 0.0
    glue_billed_dpu_seconds: float = 0.0
    lambda_invocations: int = 0
    lambda_billed_ms: int = 0
    lambda_gb_seconds: float = 0.0
    worker_slot_seconds: float = 0.0

    def cost(self, prices: Prices | None) -> float | None:
        """USD at list prices; None where the region has none (pipelines.list_prices)."""
        if prices is None:
            return None
        return (
            athena_cost(self.athena_bytes_billed, prices)
            + glue_cost(self.glue_billed_dpu_seconds, prices)
            + lambda_cost(self.lambda_gb_seconds, self.lambda_invocations, prices)
        )


def athena_usage(athena: Any, query_ids: Sequence[str]) -> tuple[int, int, int]:
    """(queries, bytes scanned, bytes billed) of the run's statements: BatchGetQueryExecution,
    50 ids per call as Athena allows."""
    queries = scanned = billed = 0
    ids = sorted(set(query_ids))
    for start in range(0, len(ids), 50):
        answer = athena.batch_get_query_execution(QueryExecutionIds=ids[start : start + 50])
        for execution in answer["QueryExecutions"]:
            bytes_scanned = int(execution.get("Statistics", {}).get("DataScannedInBytes", 0))
            queries += 1
            scanned += bytes_scanned
            billed += athena_billed_bytes(
                bytes_scanned, execution.get("StatementType", ""), execution["Status"]["State"]
            )
    return queries, scanned, billed


def job_run_dpu(job_run: Mapping[str, Any]) -> float:
    """The DPUs a Spark job run had: its workers' (G.1X = 1 DPU ...), else its MaxCapacity."""
    if job_run.get("WorkerType") in WORKER_DPU and job_run.get("NumberOfWorkers"):
        return WORKER_DPU[job_run["WorkerType"]] * job_run["NumberOfWorkers"]
    return float(job_run.get("MaxCapacity") or 0)


def glue_usage(job_runs: Iterable[Mapping[str, Any]]) -> tuple[int, float, float]:
    """(job runs, DPU-seconds, billed DPU-seconds) of the run's Glue job runs (every try's:
    ``pipelines.glue_runs.job_runs_of``). DPUSeconds where Glue reports it (Flex, auto
    scaling), else the execution time times the run's DPUs."""
    runs = dpu_seconds = billed = 0.0
    for job_run in job_runs:
        dpu, seconds = job_run_dpu(job_run), float(job_run.get("ExecutionTime", 0))
        runs += 1
        dpu_seconds += float(job_run["DPUSeconds"]) if "DPUSeconds" in job_run else seconds * dpu
        billed += glue_billed_dpu_seconds(seconds, dpu, job_run.get("GlueVersion", "5.0"))
    return int(runs), dpu_seconds, billed


def lambda_usage(invocations: Iterable[Mapping[str, int] | None]) -> tuple[int, int, float]:
    """(invocations, billed ms, GB-seconds) of the ``pipelines.lambda_invocation`` reports."""
    reports = [r for r in invocations if r]
    billed = sum(r["billed_ms"] for r in reports)
    return len(reports), billed, sum(lambda_gb_seconds(r["billed_ms"], r["memory_mb"]) for r in reports)


@dataclass(frozen=True)
class RunRecord:
    dag_id: str
    run_id: str
    target: str
    state: str
    start: datetime
    end: datetime
    day: str  # the partition: the run_after's UTC day
    region: str


def ledger_rows(run: RunRecord, counts: Counts, usage: Usage) -> list[dict[str, Any]]:
    """The run's row, then one per published table (counts only), as the table's columns."""
    base = {
        "dag_id": run.dag_id, "run_id": run.run_id, "target": run.target, "state": run.state,
        "start_time": run.start, "end_time": run.end, "region": run.region,
    }  # fmt: skip
    empty = {name: None for name, _ in COLUMNS}
    run_row = {
        **empty,
        **base,
        "rows_read": counts.read,
        "rows_rejected": sum(counts.rejected.values()),
        "rejected_by_reason": dict(sorted(counts.rejected.items())),
        "rows_published": sum(counts.published.values()),
        **{f.name: getattr(usage, f.name) for f in fields(usage) if f.name in dict(COLUMNS)},
        "cost_usd": usage.cost(PRICES.get(run.region)),
    }
    tables = [{**empty, **base, "table_name": t, "rows_published": n} for t, n in sorted(counts.published.items())]
    return [run_row, *tables]


def summary(row: Mapping[str, Any]) -> str:
    """The one line of a run's row: the UI note, the failure event's ``ledger`` field."""
    cost = "cost n/a" if row["cost_usd"] is None else f"${row['cost_usd']:.4f}"
    reasons = ", ".join(f"{n} {reason}" for reason, n in (row["rejected_by_reason"] or {}).items())
    return (
        f"{row['state']}: {row['rows_published']:,} rows published, {row['rows_rejected']:,} rejected"
        + (f" ({reasons})" if reasons else "")
        + f", {row['rows_read']:,} read; Athena {row['athena_bytes_scanned']:,} bytes scanned"
        + f" in {row['athena_queries']} queries; Glue {row['glue_dpu_seconds']:.0f} DPU-s;"
        + f" worker {row['worker_slot_seconds']:.0f} s; {cost}"
    )


def _arrow_type(hive: str) -> Any:
    import pyarrow as pa  # in the ledger's task only: no import at DAG parse time

    simple = {"string": pa.string(), "bigint": pa.int64(), "int": pa.int32(), "double": pa.float64(),
              "timestamp": pa.timestamp("ms")}  # fmt: skip
    if hive == "map<string,bigint>":
        return pa.map_(pa.string(), pa.int64())
    return simple[hive]


def parquet_bytes(rows: Sequence[Mapping[str, Any]]) -> bytes:
    """The rows as one Parquet file with the table's column types (timestamps in UTC, as Athena reads them)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    schema = pa.schema([(name, _arrow_type(hive)) for name, hive in COLUMNS])
    converted = [
        {
            **row,
            "rejected_by_reason": None
            if row["rejected_by_reason"] is None
            else list(row["rejected_by_reason"].items()),
            "start_time": row["start_time"].astimezone(UTC).replace(tzinfo=None),
            "end_time": row["end_time"].astimezone(UTC).replace(tzinfo=None),
        }
        for row in rows
    ]
    buffer = io.BytesIO()
    pq.write_table(pa.Table.from_pylist(converted, schema=schema), buffer)
    return buffer.getvalue()


def ledger_location(settings: Settings) -> str:
    return f"s3://{settings.lake_bucket}/{PREFIX}"


def ledger_key(day: str, dag_id: str, run_id: str) -> str:
    return f"{PREFIX}day={day}/{dag_id}.{run_key(dag_id, run_id)}.parquet"


def table_input(settings: Settings) -> dict[str, Any]:
    """Glue's TableInput of the ledger (the local bootstrap creates it; the template declares the same)."""
    return {
        "Name": TABLE,
        "TableType": "EXTERNAL_TABLE",
        "Parameters": {"classification": "parquet", "EXTERNAL": "TRUE"},
        "PartitionKeys": [{"Name": PARTITION_KEY[0], "Type": PARTITION_KEY[1]}],
        "StorageDescriptor": {
            "Columns": [{"Name": name, "Type": hive} for name, hive in COLUMNS],
            "Location": ledger_location(settings),
            "InputFormat": "org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat",
            "OutputFormat": "org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat",
            "SerdeInfo": {"SerializationLibrary": "org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe"},
        },
    }


def write(s3: Any, glue: Any, settings: Settings, run: RunRecord, rows: Sequence[Mapping[str, Any]]) -> str:
    """Register the run's day (once) and put its object, replacing a retried record's. Returns the key."""
    storage = table_input(settings)["StorageDescriptor"]
    location = f"{ledger_location(settings)}day={run.day}/"
    try:
        glue.create_partition(
            DatabaseName=settings.ledger_database,
            TableName=TABLE,
            PartitionInput={"Values": [run.day], "StorageDescriptor": {**storage, "Location": location}},
        )
    except glue.exceptions.AlreadyExistsException:
        pass
    key = ledger_key(run.day, run.dag_id, run.run_id)
    s3.put_object(Bucket=settings.lake_bucket, Key=key, Body=parquet_bytes(rows))
    return key


def trailing_volume_sql(settings: Settings, dag_id: str, run_id: str, today: datetime) -> str:
    """The published rows of the pipeline's last successful runs in the ledger's recent days; runs
    that had nothing to process (an empty target: an arrival-driven run finding no new hour) are
    not its usual volume."""
    since = (today - timedelta(days=VOLUME_LOOKBACK_DAYS)).strftime("%Y-%m-%d")
    quoted = {k: v.replace("'", "''") for k, v in {"dag_id": dag_id, "run_id": run_id}.items()}
    return (
        f'SELECT rows_published FROM "{settings.ledger_database}"."{TABLE}"'
        f" WHERE day >= '{since}' AND dag_id = '{quoted['dag_id']}' AND run_id <> '{quoted['run_id']}'"
        f" AND table_name IS NULL AND state = 'success' AND target <> ''"
        f" ORDER BY end_time DESC LIMIT {VOLUME_WINDOW}"
    )


@dataclass(frozen=True)
class VolumeAnomaly:
    rows_published: int
    trailing_median: float
    ratio: float  # the setting
    window: int

    def detail(self, run: RunRecord) -> dict[str, Any]:
        return {
            "dag_id": run.dag_id, "run_id": run.run_id, "target": run.target,
            "rows_published": self.rows_published, "trailing_median": self.trailing_median,
            "threshold": self.trailing_median * self.ratio, "drop_ratio": self.ratio, "runs_compared": self.window,
        }  # fmt: skip


def volume_anomaly(published: int, trailing: Sequence[int], ratio: float) -> VolumeAnomaly | None:
    """An anomaly when ``published`` is below ``ratio`` times the median of the trailing runs;
    none until ``VOLUME_WINDOW`` runs exist."""
    if len(trailing) < VOLUME_WINDOW:
        return None
    median = float(statistics.median(trailing[:VOLUME_WINDOW]))
    if published < ratio * median:
        return VolumeAnomaly(published, median, ratio, VOLUME_WINDOW)
    return None
