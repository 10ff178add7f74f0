"""How long the local engines take: as fast as they can (``instant``, the default), or at least as
long as AWS takes for the same work (``aws``: ``python -m local.aws --pace aws``,
``PIPELINES_LOCAL_PACE=aws`` for every local stack).

Locally an Athena statement ends in milliseconds and a crawl in a second; on AWS the same work
queues, plans and starts for seconds to a minute, and that wait is what deferring frees a worker
slot from. The AWS pace holds each engine's result back until the profile's time has passed:
results are the same, only their moment moves. Each figure names its source; where AWS
publishes no figure the profile takes a floor (the least AWS takes, so that a benchmark under it
understates the wait, never overstates it) and says so.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, fields

PACES = ("instant", "aws")


@dataclass(frozen=True)
class Figure:
    value: float
    unit: str
    source: str


@dataclass(frozen=True)
class Pace:
    """Floors of each engine's work; all zero in ``instant``."""

    name: str
    athena_queue_seconds: float = 0.0  # every statement QUEUED at least this long
    athena_planning_seconds: float = 0.0  # then RUNNING at least this long, plus the scan
    athena_scan_bytes_per_second: float = 0.0  # 0: no scan time
    glue_job_start_seconds: float = 0.0  # a job run STARTING before its script runs
    crawler_min_seconds: float = 0.0  # a crawl RUNNING before it writes the catalog
    lambda_cold_start_seconds: float = 0.0  # the first invocation of a function version
    firehose_buffer_seconds: float = 0.0  # the interval the local stack provisions (0: its own)

    def athena_run_seconds(self, bytes_scanned: int) -> float:
        """The least a statement that scanned ``bytes_scanned`` stays RUNNING."""
        scan = bytes_scanned / self.athena_scan_bytes_per_second if self.athena_scan_bytes_per_second else 0.0
        return self.athena_planning_seconds + scan


AWS_FIGURES = {
    "athena_queue_seconds": Figure(
        0.3,
        "s",
        "Athena reports it per statement as QueryQueueTimeInMillis "
        "(https://docs.aws.amazon.com/athena/latest/APIReference/API_QueryExecutionStatistics.html) "
        "but publishes no typical value: a floor taken by this project",
    ),
    "athena_planning_seconds": Figure(
        0.5,
        "s",
        "Athena reports it as QueryPlanningTimeInMillis (same page as the queue time) without a typical "
        "value: a floor taken by this project (planning includes the Data Catalog look-ups of the tables) "
        "(https://docs.aws.amazon.com/athena/latest/APIReference/API_QueryExecutionStatistics.html)",
    ),
    "athena_scan_bytes_per_second": Figure(
        200e6,
        "B/s",
        "Athena publishes no scan rate (its tuning guide: time and cost follow the bytes read, "
        "https://docs.aws.amazon.com/athena/latest/ug/performance-tuning.html): a ceiling taken by this "
        "project for one statement on a few files (a faster rate shortens the wait: the floor stays a floor)",
    ),
    "glue_job_start_seconds": Figure(
        10.0,
        "s",
        "Glue 2.0 and later start Spark jobs with 'reduced startup times' "
        "(https://docs.aws.amazon.com/glue/latest/dg/reduced-start-times-spark-etl-jobs.html), "
        "published without a figure: a floor taken by this project, before the local Spark's own start",
    ),
    "crawler_min_seconds": Figure(
        60.0,
        "s",
        "no published duration; Glue bills a crawler run at least 10 minutes "
        "(https://aws.amazon.com/glue/pricing/); a floor taken by this project",
    ),
    "lambda_cold_start_seconds": Figure(
        0.1,
        "s",
        "'The duration of a cold start varies from under 100 ms to over 1 second' (AWS Compute Blog, "
        "Operating Lambda: Performance optimization, Part 1, "
        "https://aws.amazon.com/blogs/compute/operating-lambda-performance-optimization-part-1/)",
    ),
    "firehose_buffer_seconds": Figure(
        60.0,
        "s",
        "the delivery stream as deployed: BufferingHints IntervalInSeconds in deploy/pipelines.yaml "
        "(Firehose delivers at that interval, 0-900 s: "
        "https://docs.aws.amazon.com/firehose/latest/dev/buffering-hints.html)",
    ),
}

PROFILES = {
    "instant": Pace("instant"),
    "aws": Pace("aws", **{name: figure.value for name, figure in AWS_FIGURES.items()}),
}
assert set(AWS_FIGURES) == {f.name for f in fields(Pace)} - {"name"}, "every floor of the AWS pace has a figure"


def profile(name: str) -> Pace:
    try:
        return PROFILES[name]
    except KeyError:
        raise ValueError(f"the pace must be one of {', '.join(PACES)}, not {name!r}") from None


def hold(since: float, seconds: float, stop: threading.Event | None = None) -> bool:
    """Wait until ``seconds`` have passed since ``since`` (``time.monotonic()``); False when
    ``stop`` was set first (the work was cancelled meanwhile)."""
    remaining = since + seconds - time.monotonic()
    if remaining <= 0:
        return not (stop and stop.is_set())
    if stop is None:
        time.sleep(remaining)
        return True
    return not stop.wait(remaining)
