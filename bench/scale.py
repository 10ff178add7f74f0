"""How time and memory grow with volume: ``python -m bench.scale``.

The traffic ETL (the day's INSERT on the local Athena, as ``bench.traffic_etl`` runs it) on a
generated day of ~1 M and ~10 M raw lane records, and the web hits Glue job (as
``bench.web_hits`` runs it) on an hour of 1 M and 10 M hits. For each: the time, and the peak
memory of the engine doing the work, sampled every 0.1 s (the Athena engine runs in this
process: its peak above the process's size before the statement, which holds the S3 objects
moto keeps in memory; the Glue job is its own processes: their peak).
Goals: 10x the volume takes at most 13x the time (linear within 1.3x), and the engine's peak
memory at most 2x (it streams: it does not hold the volume).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

import psutil

from bench import traffic_etl, web_hits
from local.aws import LocalAWS
from local.provision import provision
from local.sources import traffic as feed
from local.sources import web_hits as hits_source
from pipelines.settings import SETTINGS

TIME_GOAL, MEMORY_GOAL = 1.3, 2.0
TRAFFIC_DETECTORS = (300, 3000)  # ~1.03 M and ~10.3 M lane records
HITS = (1_000_000, 10_000_000)
HOURS = ("2024-05-03T09", "2024-05-04T09")


@dataclass(frozen=True)
class Figures:
    volume: int
    seconds: float
    peak_bytes: int


class PeakMemory:
    """The peak resident memory, sampled while the block runs: of this process's children
    (``children_only``), or of this process above its size at the start."""

    def __init__(self, children_only: bool) -> None:
        self.children_only = children_only
        self.me = psutil.Process()
        self.peak = 0
        self._stop = threading.Event()
        self._sampler = threading.Thread(target=self._sample, daemon=True)

    def _size(self) -> int:
        total = 0 if self.children_only else self.me.memory_info().rss
        for child in self.me.children(recursive=True):
            try:
                total += child.memory_info().rss
            except psutil.Error:  # it ended between the listing and the reading
                continue
        return total

    def _sample(self) -> None:
        while not self._stop.wait(0.1):
            self.peak = max(self.peak, self._size() - self.base)

    def __enter__(self) -> PeakMemory:
        self.base = 0 if self.children_only else self._size()
        self._sampler.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._sampler.join()


def timed(work: Callable[[], object], children_only: bool) -> tuple[float, int]:
    with PeakMemory(children_only) as memory:
        started = time.perf_counter()
        work()
        seconds = time.perf_counter() - started
    return seconds, memory.peak


def traffic(aws: LocalAWS, detectors: int) -> Figures:
    prefix, name = f"scale{detectors}/traffic/", f"scale{detectors}"
    day = traffic_etl.DAY
    written = feed.write_range(
        aws.client("s3"), SETTINGS.raw_bucket, day, day, seed=7, detector_count=detectors, prefix=prefix
    )
    traffic_etl.crawl(aws, prefix, name)
    traffic_etl.aws_files(aws, prefix)  # the S3 mirror warm, as in bench.traffic_etl
    seconds, peak = timed(lambda: traffic_etl.run_day(aws, prefix, name), children_only=False)
    return Figures(written.deliveries, seconds, peak)


def web_hits_hour(aws: LocalAWS, hits: int, hour: str) -> Figures:
    hits_source.write_hours(aws.client("s3"), SETTINGS.raw_bucket, hour, hour, hits, seed=1)
    seconds, peak = timed(lambda: web_hits.run_job(aws, SETTINGS.raw_bucket, hour, f"scale-{hits}"), children_only=True)
    return Figures(hits, seconds, peak)


def row(what: str, small: Figures, large: Figures) -> tuple[str, bool]:
    growth = large.volume / small.volume
    time_ratio, memory_ratio = large.seconds / small.seconds, large.peak_bytes / small.peak_bytes
    met = time_ratio <= TIME_GOAL * growth and memory_ratio <= MEMORY_GOAL
    return (
        f"| {what} | {small.volume:,} / {large.volume:,} ({growth:.1f}x) | {small.seconds:.1f} / {large.seconds:.1f} s "
        f"({time_ratio:.1f}x) | {small.peak_bytes / 2**20:,.0f} / {large.peak_bytes / 2**20:,.0f} MiB ({memory_ratio:.2f}x) |"
    ), met


def main() -> None:
    with LocalAWS(port=0) as aws:
        provision(aws.endpoint_url, SETTINGS)
        traffic_runs = [traffic(aws, d) for d in TRAFFIC_DETECTORS]
    with LocalAWS(port=0) as aws:  # a fresh one: moto holds every object in memory
        web_hits.set_up(aws)
        hits_runs = [web_hits_hour(aws, n, hour) for n, hour in zip(HITS, HOURS, strict=True)]
    print("| what | volume | time | engine's peak memory |")
    print("|---|---|---|---|")
    results = [
        row("traffic ETL, a day of raw lane records (local Athena INSERT)", *traffic_runs),
        row("web hits Glue job, an hour of hits (submit -> SUCCEEDED)", *hits_runs),
    ]
    for line, _ in results:
        print(line)
    print(f"goal: time at most {TIME_GOAL}x the volume's growth, peak memory at most {MEMORY_GOAL}x")
    if not all(met for _, met in results):
        raise SystemExit("scale goal missed")


if __name__ == "__main__":
    main()
