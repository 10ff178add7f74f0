"""`bench.worker_slots`: worker executions read from a try's log, a run's AWS waits as the local
AWS reports them, the seconds a worker held its slot during each, and the goals' verdict."""

from __future__ import annotations

import json
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace

import pytest

from bench.worker_slots import AwsWait, RunFigures, aws_waits, begun_within, held, report, worker_executions
from pipelines.settings import SETTINGS
from tests.support.athena import athena_rows

T0 = datetime(2026, 12, 7, 6, 0, tzinfo=UTC)


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def span(start: float, end: float) -> tuple[datetime, datetime]:
    return at(start), at(end)


def test_each_worker_execution_of_a_try_runs_from_its_pre_execute_to_its_last_line(tmp_path: Path):
    lines = [
        {"timestamp": "2026-12-07T06:00:00.000000Z", "event": "::group::Pre Execute"},
        {"timestamp": "2026-12-07T06:00:05.500000Z", "event": "Pausing task as DEFERRED"},
        "not JSON: a line the supervisor wrote",
        {"event": "a line without a timestamp"},
        {"timestamp": "2026-12-07T06:01:02.000000Z", "event": "::group::Pre Execute"},
        {"timestamp": "2026-12-07T06:01:04.250000Z", "event": "Task instance in success state"},
    ]
    log = tmp_path / "attempt=1.log"
    log.write_text("\n".join(line if isinstance(line, str) else json.dumps(line) for line in lines))
    assert worker_executions(log) == [span(0, 5.5), span(62, 64.25)]


def test_a_deferred_wait_holds_only_the_watch_and_a_blocking_one_all_of_it():
    wait = AwsWait("statement q1", span(1, 60))  # submitted 1 s into the try, done at 60 s
    deferred = {Path("task_id=insert"): [span(0, 6), span(61, 63)]}  # watched 5 s, resumed after
    blocking = {Path("task_id=insert"): [span(0, 70)]}  # polled every 10 s until done
    assert held(wait, deferred) == 5.0
    assert held(wait, blocking) == 59.0


def test_a_wait_counts_the_task_that_started_it_the_longest_holder_when_several_ran():
    wait = AwsWait("crawl c1", span(10, 100))
    executions = {
        Path("task_id=crawl"): [span(9, 11)],  # started it, then deferred: 1 s
        Path("task_id=other"): [span(5, 40)],  # running beside it when it began: 30 s
        Path("task_id=later"): [span(50, 90)],  # began after the wait: not its owner
    }
    assert held(wait, executions) == 30.0
    # begun between two log lines of every task: all of the run's executions count
    unseen = AwsWait("statement q2", span(45, 95))
    assert held(unseen, executions) == 40.0


def figures(held_seconds: float, longest: float, wall: float = 100.0) -> RunFigures:
    return RunFigures("r", "success", wall, 50.0, 10, 2, 4, 80.0, held_seconds, longest)


def test_the_report_meets_the_goals_within_the_watch_and_names_a_pipeline_that_holds_longer():
    blocking = {"traffic_batch": [figures(80.0, 60.0)] * 3, "vehicle_api_download": [figures(0, 0)] * 3}
    deferred = {"traffic_batch": [figures(12.0, 5.9, 104.0)] * 3, "vehicle_api_download": [figures(0, 30.0)] * 3}
    lines = report(blocking, deferred, hold_limit=6.0)
    row = next(line for line in lines if line.startswith("| traffic_batch"))
    assert "| 4 (80.0 s (80.0-80.0)) | 80.0 s (100%) | 12.0 s (15%) | 5.9 s |" in row
    assert row.endswith("| 1.04x |")
    assert lines[-1].startswith("goals: deferrable, no AWS wait holds a worker over 6 s")

    deferred["traffic_batch"] = [figures(12.0, 5.9), figures(20.0, 14.0), figures(12.0, 5.9)]
    with pytest.raises(SystemExit, match="goal missed for traffic_batch$"):
        report(blocking, deferred, hold_limit=6.0)
    deferred["traffic_batch"] = [figures(12.0, 5.9, wall=120.0)] * 3  # 1.20x the wall time
    with pytest.raises(SystemExit, match="goal missed for traffic_batch$"):
        report(blocking, deferred, hold_limit=6.0)


def test_the_aws_waits_of_a_run_are_the_statements_and_crawls_begun_within_it_as_aws_reports_them(local_aws):
    glue = local_aws.client("glue")
    name = f"bench_{uuid.uuid4().hex[:8]}"
    glue.create_database(DatabaseInput={"Name": name})
    glue.create_crawler(Name=name, Role=SETTINGS.glue_role, DatabaseName=name,
                        Targets={"S3Targets": [{"Path": f"s3://{SETTINGS.raw_bucket}/{name}/"}]})  # fmt: skip
    started = datetime.now(UTC)
    athena_rows(local_aws, "SELECT 1 AS one")
    glue.start_crawler(Name=name)
    while glue.get_crawler(Name=name)["Crawler"]["State"] != "READY":
        time.sleep(0.05)
    ended = datetime.now(UTC)
    athena_rows(local_aws, "SELECT 2 AS two")  # after the run: not its wait

    waits = begun_within(aws_waits(SimpleNamespace(client=local_aws.client, settings=SETTINGS)), started, ended)
    assert sorted(w.what.split()[0] for w in waits) == ["crawl", "statement"]
    assert next(w for w in waits if w.what.startswith("crawl")).what.startswith(f"crawl {name} ")
    for wait in waits:
        assert started <= wait.span[0] <= wait.span[1] <= ended, wait
