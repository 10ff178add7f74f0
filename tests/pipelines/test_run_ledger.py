"""The run ledger's rows, summary, Parquet object, AWS usage and volume anomaly, from given figures."""

from __future__ import annotations

import base64
import io
from datetime import UTC, datetime, timedelta

import pyarrow.parquet as pq
import pytest

from pipelines.lambda_invocation import billed
from pipelines.list_prices import MIB, PRICES
from pipelines.partitions import run_key
from pipelines.run_ledger import (
    COLUMNS,
    Counts,
    RunRecord,
    Usage,
    athena_usage,
    glue_usage,
    ledger_counts,
    ledger_key,
    ledger_rows,
    parquet_bytes,
    summary,
    volume_anomaly,
)

RUN = RunRecord(
    dag_id="traffic_batch", run_id="scheduled__2026-12-05T07:30:00+00:00", target="2026-12-04", state="success",
    start=datetime(2026, 12, 5, 7, 30, 1, tzinfo=UTC), end=datetime(2026, 12, 5, 7, 41, 9, tzinfo=UTC),
    day="2026-12-05", region="us-east-1",
)  # fmt: skip


def test_counts_of_several_checks_add_up_and_a_check_that_did_not_run_counts_nothing():
    parts = [
        ledger_counts(read=10, rejected={"malformed JSON": 2, "empty": 0}, published={"a": 8}),
        None,
        ledger_counts(read=5, rejected={"malformed JSON": 1}, published={"a": 1, "b": 4}),
    ]
    counts = Counts.merged(parts)
    assert (counts.read, counts.rejected, counts.published) == (15, {"malformed JSON": 3}, {"a": 9, "b": 4})


def test_one_row_for_the_run_and_one_per_published_table_with_the_cost():
    counts = Counts(read=100, rejected={"x": 3, "a": 1}, published={"t2": 40, "t1": 56})
    usage = Usage(athena_queries=3, athena_bytes_scanned=5, athena_bytes_billed=20 * MIB, glue_job_runs=1,
                  glue_dpu_seconds=84.0, glue_billed_dpu_seconds=120.0, worker_slot_seconds=12.5)  # fmt: skip
    run_row, *tables = ledger_rows(RUN, counts, usage)
    assert list(run_row) == [name for name, _ in COLUMNS]
    assert (run_row["table_name"], run_row["rows_read"], run_row["rows_rejected"], run_row["rows_published"]) == (
        None, 100, 4, 96,
    )  # fmt: skip
    assert list(run_row["rejected_by_reason"].items()) == [("a", 1), ("x", 3)]
    # 20 MB at $5/TB + 120 DPU-s at $0.44/DPU-hour
    assert run_row["cost_usd"] == pytest.approx(20 / 2**20 * 5 + 120 / 3600 * 0.44)
    assert [(t["table_name"], t["rows_published"], t["cost_usd"], t["rows_read"]) for t in tables] == [
        ("t1", 56, None, None), ("t2", 40, None, None),
    ]  # fmt: skip


def test_a_region_without_list_prices_has_no_cost_rather_than_a_guess():
    row = ledger_rows(RunRecord(**{**vars(RUN), "region": "ap-east-2"}), Counts(), Usage(athena_bytes_billed=MIB))[0]
    assert "ap-east-2" not in PRICES and row["cost_usd"] is None
    assert "cost n/a" in summary(row)


def test_the_summary_line_names_rows_rejects_scans_and_cost():
    row = ledger_rows(RUN, Counts(read=7, rejected={"bad": 2}, published={"t": 5}), Usage(athena_queries=2,
                      athena_bytes_scanned=1234, athena_bytes_billed=20 * MIB))[0]  # fmt: skip
    assert summary(row) == (
        "success: 5 rows published, 2 rejected (2 bad), 7 read; Athena 1,234 bytes scanned in 2 queries;"
        " Glue 0 DPU-s; worker 0 s; $0.0001"
    )


def test_the_object_is_parquet_with_the_table_s_types_under_the_run_s_day():
    rows = ledger_rows(RUN, Counts(read=1, rejected={"r": 1}, published={"t": 0}), Usage())
    table = pq.read_table(io.BytesIO(parquet_bytes(rows)))
    assert table.column_names == [name for name, _ in COLUMNS]
    assert str(table.schema.field("rejected_by_reason").type).startswith("map<string, int64")
    assert str(table.schema.field("start_time").type) == "timestamp[ms]"
    first = table.to_pylist()[0]
    assert first["rejected_by_reason"] == [("r", 1)] and first["start_time"] == datetime(2026, 12, 5, 7, 30, 1)
    assert ledger_key(RUN.day, RUN.dag_id, RUN.run_id) == (
        f"ledger/run_ledger/day=2026-12-05/traffic_batch.{run_key(RUN.dag_id, RUN.run_id)}.parquet"
    )


class FakeAthena:
    def __init__(self, executions: dict[str, dict]) -> None:
        self.executions, self.calls = executions, []

    def batch_get_query_execution(self, QueryExecutionIds: list[str]) -> dict:
        self.calls.append(len(QueryExecutionIds))
        return {"QueryExecutions": [self.executions[q] for q in QueryExecutionIds]}


def test_athena_usage_asks_50_queries_at_a_time_and_bills_only_dml():
    executions = {
        f"q{i}": {"StatementType": "DML" if i % 2 else "DDL", "Status": {"State": "SUCCEEDED"},
                  "Statistics": {"DataScannedInBytes": 1000}}
        for i in range(120)
    }  # fmt: skip
    athena = FakeAthena(executions)
    assert athena_usage(athena, [*executions, "q1"]) == (120, 120_000, 60 * 10 * MIB)
    assert athena.calls == [50, 50, 20]


def test_glue_usage_counts_every_run_it_is_given_with_glues_own_dpu_seconds_where_reported():
    runs = [
        {"ExecutionTime": 30, "WorkerType": "G.1X", "NumberOfWorkers": 2},
        {"ExecutionTime": 90, "MaxCapacity": 2.0, "DPUSeconds": 150.0},
    ]
    # try 1: 30 s x 2 DPU (billed 60 s x 2); try 2: Glue's own DPUSeconds (billed 90 s x 2)
    assert glue_usage(runs) == (2, 60.0 + 150.0, 120.0 + 180.0)


def test_lambda_s_billed_duration_and_memory_come_from_the_report_line():
    tail = "START RequestId: x\nsome log\nREPORT RequestId: x\tDuration: 812.31 ms\tBilled Duration: 813 ms\t" \
        "Memory Size: 256 MB\tMax Memory Used: 80 MB\n"  # fmt: skip
    assert billed(base64.b64encode(tail.encode()).decode()) == {"billed_ms": 813, "memory_mb": 256}
    assert billed(None) is None and billed(base64.b64encode(b"no report").decode()) is None


def test_a_volume_anomaly_needs_seven_runs_and_a_drop_below_the_ratio_of_their_median():
    usual = [1000, 980, 1020, 990, 1010, 1005, 995]
    assert volume_anomaly(400, usual[:6], 0.5) is None  # six runs: off
    assert volume_anomaly(500, usual, 0.5) is None  # half of the median 1000 is not below it
    found = volume_anomaly(499, usual, 0.5)
    assert found is not None and (found.trailing_median, found.window) == (1000.0, 7)
    assert found.detail(RUN)["threshold"] == 500.0


def test_a_retried_record_replaces_the_run_s_rows_exactly_once(local_aws):
    """The record of a run that failed, then of its retry that succeeded: the ledger holds the
    second alone (one object per run, replaced), read through the local Athena."""
    from pipelines import run_ledger
    from pipelines.settings import SETTINGS
    from tests.support.ledger import ledger_rows as rows_of

    s3, glue = local_aws.client("s3"), local_aws.client("glue")
    run = RunRecord(**{**vars(RUN), "dag_id": "ledger_retry_test", "state": "failed"})
    run_ledger.write(s3, glue, SETTINGS, run, ledger_rows(run, Counts(read=10), Usage(athena_queries=4)))
    assert [(r["state"], r["rows_read"]) for r in rows_of(local_aws, run.dag_id, run.run_id)] == [("failed", 10)]
    retried = RunRecord(**{**vars(run), "state": "success"})
    counts = Counts(read=10, rejected={"bad": 1}, published={"t": 9})
    run_ledger.write(s3, glue, SETTINGS, retried, ledger_rows(retried, counts, Usage(athena_queries=6)))
    found = rows_of(local_aws, run.dag_id, run.run_id)
    assert [(r["state"], r["table_name"], r["rows_published"], r["athena_queries"]) for r in found] == [
        ("success", None, 9, 6), ("success", "t", 9, None),
    ]  # fmt: skip
    parts = glue.get_partitions(DatabaseName=SETTINGS.ledger_database, TableName=run_ledger.TABLE)["Partitions"]
    assert [p["Values"] for p in parts].count([RUN.day]) == 1


def test_the_trailing_volumes_are_the_pipeline_s_last_successful_runs_that_had_work(local_aws):
    """Through the local Athena: the 7 latest successful runs of the DAG with a target, newest
    first; failed runs, runs with nothing to process, other DAGs and the run itself left out."""
    from pipelines import run_ledger
    from pipelines.settings import SETTINGS
    from tests.support.athena import athena_rows

    s3, glue = local_aws.client("s3"), local_aws.client("glue")
    now = datetime.now(UTC)
    seeded = [(f"r{i}", "success", "2026-12-01T10", 100 + i) for i in range(9)]  # r8 the latest
    seeded += [("empty", "success", "", 0), ("failed", "failed", "2026-12-01T11", 0), ("self", "success", "x", 5)]
    for n, (run_id, state, target, published) in enumerate(seeded):
        run = RunRecord("volume_test", run_id, target, state, now - timedelta(minutes=30), now - timedelta(minutes=20 - n),
                        f"{now:%Y-%m-%d}", "us-east-1")  # fmt: skip
        run_ledger.write(s3, glue, SETTINGS, run, ledger_rows(run, Counts(published={"t": published}), Usage()))
    other = RunRecord("other_dag", "o", "t", "success", now, now, f"{now:%Y-%m-%d}", "us-east-1")
    run_ledger.write(s3, glue, SETTINGS, other, ledger_rows(other, Counts(published={"t": 1}), Usage()))
    sql = run_ledger.trailing_volume_sql(SETTINGS, "volume_test", "self", now)
    found = [r["rows_published"] for r in athena_rows(local_aws, sql, database=SETTINGS.ledger_database)]
    assert found == [108, 107, 106, 105, 104, 103, 102]


def test_a_table_whose_publish_did_not_succeed_counts_no_published_row():
    from pipelines.run_ledger import published_only

    checked = Counts(read=10, rejected={"bad": 1}, published={"a": 5, "b": 4, "c": 3})
    publishing = [("publish_ab", ("a", "b")), ("publish_c", ("c",))]
    kept = published_only(checked, {"publish_ab": "success", "publish_c": "upstream_failed"}, publishing)
    assert (kept.read, kept.rejected, kept.published) == (10, {"bad": 1}, {"a": 5, "b": 4})
    assert published_only(checked, {"publish_ab": "failed", "publish_c": "success"}, publishing).published == {"c": 3}
