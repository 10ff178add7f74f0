"""Worker-slot seconds per DAG run at AWS's pace, deferrable versus not: ``python -m bench.worker_slots``.

Two local stacks (the MWAA runtime: PostgreSQL, a Celery worker of mw1.small over SQS), one after
the other, identical but for ``PIPELINES_DEFERRABLE``, both with the local AWS at AWS's pace
(``PIPELINES_LOCAL_PACE=aws``: Athena statements queue and plan, Glue jobs start, crawls last, as
``local/aws/pace.py`` says) and the deployed settings otherwise (status checks every 10 s, an
Athena statement watched 5 s in the worker before it is deferred). In each, RUNS runs of every
pipeline, one at a time so that no run shares the machine with a measured one: ``traffic_batch``
(a generated day of DETECTORS detectors), ``vehicle_api_download`` and the
``vehicle_api_processing`` run its day triggers, ``web_hits_hourly`` (an hour of HITS hits) and
``uber_movement`` (a replay of UBER_ROWS rows, landed after Firehose's buffer).
- worker-slot seconds: for every task instance, the time its worker executions ran, each from
  the first to the last line it wrote to the try's log. The triggerer writes to a file of its
  own, so a deferred wait is not counted; the start of a worker process before its first line
  is not counted in either mode (a deferred task has one more execution to start).
- wall time: the run's start to its end, as the metadata DB records them.
- AWS waits: every Athena statement (submitted to completed), Glue job run (started to completed)
  and crawl (start to end) that began during the run, as AWS's own APIs report them; for each,
  the seconds a worker execution of the task that started it (the one running when it began)
  overlapped it: a worker holding a slot while AWS works.
Goals, for each pipeline whose waits are AWS work (not the download's: Lambda invocations, which
Invoke answers when the function ends): deferrable, no AWS wait holds a worker longer than the
watch before a deferral (``PIPELINES_DEFER_AFTER_SECONDS``) and one status check; wall time at most
10 % longer than not deferrable (medians). The ratio of worker-slot seconds, deferrable to not, is
printed without a goal: a baseline made faster raises it (docs/benchmarks.md). The figures are
written to ``FIGURES`` for ``make capacity``.
"""

from __future__ import annotations

import json
import statistics
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from pathlib import Path

from botocore.client import BaseClient

from deploy.airflow_api import run_path
from local.demo import latest_due_day, latest_due_hour
from local.sources import traffic as feed
from local.sources import web_hits
from local.sources.uber_movement import replay, travel_times
from local.stack import DevStack, free_port, wait_for_dag
from pipelines.athena_statement import WATCH_INTERVAL
from pipelines.settings import SETTINGS, load
from tests.support.services import api, dag_runs

RUNS = 3
DETECTORS = 100  # ~340,000 raw lane records a day
HITS = 20_000  # an hour of web hits
UBER_ROWS = 2_000  # rows replayed onto the stream per run
# Its waits are Lambda invocations, which the provider's operator holds in the worker (Invoke
# answers when the function ends): measured for the capacity plan, without the deferral goal.
NOT_AWS_WAITS = ("vehicle_api_download",)
WALL_GOAL = 1.10
FIGURES = Path(__file__).resolve().parent / "figures" / "worker_slots.json"
TIMEOUT = 1800


@dataclass(frozen=True)
class RunFigures:
    run_id: str
    state: str
    wall_seconds: float
    worker_seconds: float
    executions: int
    peak_slots: int  # the most worker executions of the run at one moment
    aws_waits: int
    aws_wait_seconds: float  # the waits' own durations, summed
    held_seconds: float  # of those, the seconds a worker held its slot
    longest_held_seconds: float  # the most any one wait held a worker


Span = tuple[datetime, datetime]


@dataclass(frozen=True)
class AwsWait:
    what: str  # the statement, job run or crawl, for a reader of a failed goal
    span: Span


def overlap(a: Span, b: Span) -> float:
    return max(0.0, (min(a[1], b[1]) - max(a[0], b[0])).total_seconds())


def held(wait: AwsWait, executions: dict[Path, list[Span]]) -> float:
    """The seconds the executions of the task that started ``wait`` overlapped it. That task was
    executing when the wait began; if several were (parallel tasks), the one holding it longest
    counts, so that a wait is never understated; if none was seen (a start between two log
    lines), every execution of the run counts."""
    began = wait.span[0]
    owners = [spans for spans in executions.values() if any(start <= began <= end for start, end in spans)]
    return max(sum(overlap(wait.span, s) for s in spans) for spans in owners or [sum(executions.values(), [])])


def crawls(glue: BaseClient, crawler: str) -> Iterator[dict]:
    """Every crawl of ``crawler``, page by page (boto3 has no paginator for ListCrawls)."""
    request = {"CrawlerName": crawler, "MaxResults": 1000}  # the most a page holds
    while True:
        page = glue.list_crawls(**request)
        yield from page["Crawls"]
        if "NextToken" not in page:
            return
        request["NextToken"] = page["NextToken"]


def aws_waits(stack: DevStack) -> list[AwsWait]:
    """Every ended Athena statement, Glue job run and crawl of the stack, with its span as AWS
    reports it (asked once, after the stack's runs)."""
    athena, glue = stack.client("athena"), stack.client("glue")
    waits = []
    pages = athena.get_paginator("list_query_executions").paginate(WorkGroup=stack.settings.athena_workgroup)
    ids = [query_id for page in pages for query_id in page["QueryExecutionIds"]]
    for first in range(0, len(ids), 50):  # BatchGetQueryExecution's most
        for query in athena.batch_get_query_execution(QueryExecutionIds=ids[first : first + 50])["QueryExecutions"]:
            status = query["Status"]
            waits.append(
                (
                    f"statement {query['QueryExecutionId']}",
                    status["SubmissionDateTime"],
                    status.get("CompletionDateTime"),
                )
            )
    for job in (
        name for page in glue.get_paginator("get_jobs").paginate() for name in (j["Name"] for j in page["Jobs"])
    ):
        for page in glue.get_paginator("get_job_runs").paginate(JobName=job):
            waits += [(f"job run {job} {r['Id']}", r["StartedOn"], r.get("CompletedOn")) for r in page["JobRuns"]]
    for crawler in (c["Name"] for page in glue.get_paginator("get_crawlers").paginate() for c in page["Crawlers"]):
        waits += [(f"crawl {crawler} {c['CrawlId']}", c["StartTime"], c.get("EndTime")) for c in crawls(glue, crawler)]
    return [AwsWait(what, (begun, done)) for what, begun, done in waits if done]


def begun_within(waits: list[AwsWait], started: datetime, ended: datetime) -> list[AwsWait]:
    """The waits a run began: runs are measured one at a time."""
    return [wait for wait in waits if started <= wait.span[0] <= ended]


def worker_executions(log: Path) -> list[Span]:
    """Start and end of each worker execution in one try's log (each starts with 'Pre Execute')."""
    spans: list[list[datetime]] = []
    for line in log.read_text().splitlines():
        try:
            entry = json.loads(line)
        except json.JSONDecodeError:
            continue
        if "timestamp" not in entry:
            continue
        at = datetime.fromisoformat(entry["timestamp"].replace("Z", "+00:00"))
        if entry.get("event") == "::group::Pre Execute" or not spans:
            spans.append([at, at])
        spans[-1][1] = at
    return [(start, end) for start, end in spans]


def peak_overlap(spans: list[Span]) -> int:
    moments = sorted([(start, 1) for start, _ in spans] + [(end, -1) for _, end in spans], key=lambda m: (m[0], m[1]))
    running = peak = 0
    for _, step in moments:
        running += step
        peak = max(peak, running)
    return peak


def measure(stack: DevStack, dag_id: str, run: dict, all_waits: list[AwsWait]) -> RunFigures:
    """``run`` as the REST API answers it; ``all_waits``: the stack's (``aws_waits``)."""
    folder = stack.home / "airflow" / "logs" / f"dag_id={dag_id}" / f"run_id={run['dag_run_id']}"
    logs = [p for p in folder.glob("task_id=*/**/attempt=*.log") if ".log.trigger." not in p.name]  # triggerer's own
    executions: dict[Path, list[Span]] = {}  # a task instance's (task_id=.../[map_index=.../]), every try's
    for log in logs:
        executions.setdefault(log.parent, []).extend(worker_executions(log))
    spans = sum(executions.values(), [])
    started, ended = (datetime.fromisoformat(run[k]) for k in ("start_date", "end_date"))
    waits = begun_within(all_waits, started, ended)
    holds = [held(wait, executions) for wait in waits]
    return RunFigures(
        run["dag_run_id"],
        run["state"],
        (ended - started).total_seconds(),
        sum((end - start).total_seconds() for start, end in spans),
        len(spans),
        peak_overlap(spans),
        len(waits),
        sum((end - start).total_seconds() for start, end in (w.span for w in waits)),
        sum(holds),
        max(holds, default=0.0),
    )


def finished(stack: DevStack, dag_id: str, count: int, counted: Callable[[dict], bool]) -> list[dict]:
    """Wait until ``dag_id`` has ``count`` runs that ``counted`` keeps and no run unfinished;
    return the kept ones, oldest first."""
    deadline = time.monotonic() + TIMEOUT
    while True:
        runs = dag_runs(stack, dag_id)
        kept = [r for r in runs if counted(r)]
        if len(kept) >= count and all(r["state"] in ("success", "failed") for r in runs):
            return kept
        if time.monotonic() > deadline:
            raise TimeoutError(f"{dag_id}: {[(r['dag_run_id'], r['state']) for r in runs]}")
        time.sleep(2)


@dataclass(frozen=True)
class Pipeline:
    """How the bench starts run ``n`` of a pipeline (0: unpausing, which schedules the latest
    interval's run, or the first arrival), which DAGs it measures and which of their runs count."""

    start: Callable[[DevStack, int], None]
    dags: tuple[str, ...]
    counted: Callable[[dict], bool] = lambda run: True


def measured_runs(stack: DevStack, pipeline: Pipeline) -> dict[str, list[dict]]:
    """RUNS runs of the pipeline, one at a time; every DAG of it paused afterwards, so that no
    later interval's run shares the machine with the next pipeline's."""
    for n in range(RUNS):
        pipeline.start(stack, n)
        for dag_id in pipeline.dags:
            finished(stack, dag_id, n + 1, pipeline.counted)
    for dag_id in pipeline.dags:
        stack.airflow("dags", "pause", dag_id)
        # A run the schedule started after the measured ones (an Uber Movement hour at :30) would
        # never end paused, and the bench would wait for it: it is marked failed.
        for run in dag_runs(stack, dag_id):
            if run["state"] not in ("success", "failed"):
                api(stack).call("PATCH", run_path(dag_id, run["dag_run_id"]), {"state": "failed"}, {})
    return {dag_id: finished(stack, dag_id, RUNS, pipeline.counted)[:RUNS] for dag_id in pipeline.dags}


def scheduled_then_conf(dag_id: str, conf: Callable[[int], dict]) -> Callable[[DevStack, int], None]:
    """Run 0 is the scheduled run of the latest interval, run n a manual one of ``conf(n)``."""

    def start(stack: DevStack, n: int) -> None:
        if n == 0:
            stack.airflow("dags", "unpause", dag_id)
        else:
            stack.airflow("dags", "trigger", dag_id, "--conf", json.dumps(conf(n)))

    return start


def replayed(home: Path) -> Callable[[DevStack, int], None]:
    """Run n follows the replay of UBER_ROWS rows (seed n) onto the stream: Firehose lands them
    after its buffer, the watcher triggers the run."""

    def start(stack: DevStack, n: int) -> None:
        if n == 0:
            stack.airflow("dags", "unpause", "uber_movement")
        path = home / f"travel_times_{n}.csv"
        with path.open("w", encoding="utf-8", newline="") as out:
            travel_times.write_csv(out, UBER_ROWS, seed=n)
        replay.replay(stack.client("kinesis"), SETTINGS.uber_movement_stream, replay.records(path))

    return start


def run_stack(home: Path, deferrable: bool) -> dict[str, list[RunFigures]]:
    settings_env = {
        "PIPELINES_DEFERRABLE": str(deferrable).lower(),
        "PIPELINES_LOCAL_PACE": "aws",
        "PIPELINES_POLL_SECONDS": str(load({}).poll_seconds),  # as deployed, not the local stacks' 1 s
    }
    stack = DevStack(home, free_port(), free_port(), free_port(), settings_env=settings_env, keep_state=False)
    with stack:
        s3 = stack.client("s3")
        day = latest_due_day(timedelta(hours=7, minutes=30))
        deliveries = feed.generate(
            day - timedelta(days=RUNS), day + timedelta(days=1), seed=3, detector_count=DETECTORS
        )
        feed.write_objects(s3, SETTINGS.raw_bucket, feed.firehose_objects(deliveries, seed=3))
        hour = latest_due_hour()
        web_hits.write_hours(s3, SETTINGS.raw_bucket, hour.subtract(hours=RUNS), hour.add(hours=1), HITS, 3)
        download_day = latest_due_day(timedelta(hours=1))
        pipelines = (
            Pipeline(
                scheduled_then_conf("traffic_batch", lambda n: {"date": f"{day - timedelta(days=n)}"}),
                ("traffic_batch",),
            ),
            Pipeline(
                scheduled_then_conf("vehicle_api_download", lambda n: {"date": f"{download_day - timedelta(days=n)}"}),
                ("vehicle_api_download", "vehicle_api_processing"),
            ),
            Pipeline(
                scheduled_then_conf("web_hits_hourly", lambda n: {"hour": f"{hour.subtract(hours=n):%Y-%m-%dT%H}"}),
                ("web_hits_hourly",),
            ),
            Pipeline(replayed(home), ("uber_movement",), lambda run: run["run_type"] == "asset_triggered"),
        )
        for dag_id in (d for p in pipelines for d in p.dags):
            wait_for_dag(stack, dag_id, timeout=900)
        stack.airflow("dags", "unpause", "vehicle_api_processing")  # runs on the download's assets
        runs = {dag_id: got for pipeline in pipelines for dag_id, got in measured_runs(stack, pipeline).items()}
        waits = aws_waits(stack)
        return {dag_id: [measure(stack, dag_id, run, waits) for run in got] for dag_id, got in runs.items()}


def spread(values: list[float]) -> str:
    return f"{statistics.median(values):.1f} s ({min(values):.1f}-{max(values):.1f})"


def main() -> None:
    with tempfile.TemporaryDirectory() as home:
        blocking = run_stack(Path(home) / "blocking", deferrable=False)
        deferred = run_stack(Path(home) / "deferrable", deferrable=True)
    FIGURES.parent.mkdir(exist_ok=True)
    FIGURES.write_text(
        json.dumps(
            {
                "measured": f"{datetime.now():%Y-%m-%d}",
                "pace": "aws",
                "not_deferrable": {d: [asdict(r) for r in runs] for d, runs in blocking.items()},
                "deferrable": {d: [asdict(r) for r in runs] for d, runs in deferred.items()},
            },
            indent=1,
        )
        + "\n"
    )
    print("\n".join(report(blocking, deferred, load({}).defer_after_seconds + WATCH_INTERVAL)))


def report(
    blocking: dict[str, list[RunFigures]], deferred: dict[str, list[RunFigures]], hold_limit: float
) -> list[str]:
    """The figures as a Markdown table and the goals' verdict; exits naming the pipelines that
    missed a goal (or whose runs did not all succeed)."""
    lines = [
        f"| DAG run ({RUNS} runs each, median (min-max)) | worker-slot seconds, not deferrable | deferrable "
        "| ratio | AWS waits (seconds of AWS work) | held by a worker, not deferrable | deferrable "
        "| longest held, deferrable | wall time, not deferrable | deferrable | ratio |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    missed = []
    for dag_id in blocking:
        b, d = blocking[dag_id], deferred[dag_id]
        states = {r.state for r in b + d}
        if states != {"success"}:
            raise SystemExit(f"{dag_id}: runs ended {sorted(states)}")
        b_slots, d_slots = [r.worker_seconds for r in b], [r.worker_seconds for r in d]
        b_wall, d_wall = [r.wall_seconds for r in b], [r.wall_seconds for r in d]
        slots = statistics.median(d_slots) / statistics.median(b_slots)
        wall = statistics.median(d_wall) / statistics.median(b_wall)
        longest = max(r.longest_held_seconds for r in d)
        executions = (
            f"{statistics.median(r.executions for r in b):.0f} vs {statistics.median(r.executions for r in d):.0f}"
        )
        lines.append(
            f"| {dag_id} | {spread(b_slots)} | {spread(d_slots)} | {slots:.0%} ({executions} executions) "
            f"| {statistics.median(r.aws_waits for r in d):.0f} ({spread([r.aws_wait_seconds for r in d])}) "
            f"| {held_share(b)} | {held_share(d)} | {longest:.1f} s "
            f"| {spread(b_wall)} | {spread(d_wall)} | {wall:.2f}x |"
        )
        if dag_id not in NOT_AWS_WAITS and (longest > hold_limit or wall > WALL_GOAL):
            missed.append(dag_id)
    lines.append(
        f"goals: deferrable, no AWS wait holds a worker over {hold_limit:.0f} s (the watch and one status check), "
        f"wall time <= {WALL_GOAL:.2f}x; figures in {FIGURES}"
    )
    if missed:
        raise SystemExit("\n".join([*lines, f"goal missed for {', '.join(missed)}"]))
    return lines


def held_share(runs: list[RunFigures]) -> str:
    """The median run's held seconds and their share of its AWS work."""
    median = sorted(runs, key=lambda r: r.held_seconds)[len(runs) // 2]
    return (
        f"{median.held_seconds:.1f} s ({median.held_seconds / median.aws_wait_seconds:.0%})"
        if median.aws_wait_seconds
        else "0 s"
    )


if __name__ == "__main__":
    main()
