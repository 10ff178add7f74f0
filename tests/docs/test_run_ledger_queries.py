"""docs/run-ledger.md's three example queries, run as written (the environment's database
named) through the local Athena against a seeded ledger, answer what they say they answer."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from local.provision import provision
from pipelines import run_ledger
from pipelines.run_ledger import Counts, RunRecord, Usage
from pipelines.settings import load
from tests.support.athena import athena_rows

DOC = Path(__file__).resolve().parents[2] / "docs" / "run-ledger.md"
ENV = "ledger-docs"


def queries() -> list[str]:
    return re.findall(r"```sql\n(.*?)```", DOC.read_text(), flags=re.DOTALL)


@pytest.fixture(scope="module")
def ledger(local_aws):
    """Three traffic runs (one of them the late rerun of a day) and a web hits hour, over two months."""
    settings = load({"PIPELINES_ENV": ENV})
    provision(local_aws.endpoint_url, settings)
    s3, glue = local_aws.client("s3"), local_aws.client("glue")
    seeded = [
        # dag, run id, target, day, read, rejects, published, billed MB
        ("traffic_batch", "scheduled__a", "2026-11-29", "2026-11-30", 1000, {"malformed JSON": 4}, 990, 20),
        ("traffic_batch", "scheduled__b", "2026-11-30", "2026-12-01", 1100, {"malformed JSON": 1, "defect is missing or null": 5}, 1090, 20),
        ("traffic_batch", "manual__late", "2026-11-30", "2026-12-02", 1125, {"malformed JSON": 1, "defect is missing or null": 5}, 1115, 30),
        ("web_hits_hourly", "scheduled__h", "2026-12-01T13", "2026-12-01", 400, {"empty line": 2}, 120, 0),
    ]  # fmt: skip
    for n, (dag_id, run_id, target, day, read, rejected, published, billed) in enumerate(seeded):
        end = datetime(2026, 12, 2, tzinfo=UTC) + timedelta(minutes=n)
        run = RunRecord(dag_id, run_id, target, "success", end - timedelta(minutes=5), end, day, "us-east-1")
        counts = Counts(read=read, rejected=rejected, published={"t": published})
        rows = run_ledger.ledger_rows(run, counts, Usage(athena_queries=3, athena_bytes_billed=billed * 2**20))
        run_ledger.write(s3, glue, settings, run, rows)
    return settings


def run(local_aws, settings, sql: str) -> list[dict]:
    return athena_rows(local_aws, sql.replace("pipelines_prod_ledger", settings.ledger_database))


def test_the_doc_has_its_three_queries():
    assert len(queries()) == 3


def test_cost_per_pipeline_per_month(local_aws, ledger):
    found = run(local_aws, ledger, queries()[0])
    assert [(r["dag_id"], r["month"], r["runs"], r["failed"]) for r in found] == [
        ("traffic_batch", "2026-11", 1, 0), ("traffic_batch", "2026-12", 2, 0), ("web_hits_hourly", "2026-12", 1, 0),
    ]  # fmt: skip
    assert found[1]["cost_usd"] == round(50 / 2**20 * 5, 4)  # 20 + 30 MB at $5 per TB


def test_reject_rate_per_reason(local_aws, ledger):
    found = run(local_aws, ledger, queries()[1])
    assert [(r["dag_id"], r["reason"], r["rejected"], r["percent_of_read"]) for r in found] == [
        ("traffic_batch", "defect is missing or null", 10, round(100 * 10 / 3225, 3)),
        ("traffic_batch", "malformed JSON", 6, round(100 * 6 / 3225, 3)),
        ("web_hits_hourly", "empty line", 2, 0.5),
    ]


def test_late_arrivals(local_aws, ledger):
    found = run(local_aws, ledger, queries()[2])
    assert [(r["dag_id"], r["target"], r["run_id"], r["arrived_late"]) for r in found] == [
        ("traffic_batch", "2026-11-30", "manual__late", 25)
    ]
