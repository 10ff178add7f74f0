"""Crawler runs: each StartCrawler gets a ``CrawlRun`` that a worker thread drives.

A run sits in moto's ``FakeCrawler.crawls`` list, so moto's own ``State`` logic and
``ListCrawls`` see it. ``status`` uses moto's crawl vocabulary: RUNNING, then STOPPING while
the catalog is written (or after StopCrawler), then COMPLETED, FAILED or STOPPED. The
crawler's State is RUNNING / STOPPING / READY accordingly.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from datetime import datetime
from typing import TYPE_CHECKING, Any

from moto.core.utils import utcnow
from moto.glue.exceptions import CrawlerNotRunningException, CrawlerRunningException, GlueClientError

from local.aws import pace
from local.aws.context import ServiceContext
from local.aws.glue_catalog import glue_catalog
from local.aws.glue_crawler.crawl import CrawlCancelled, CrawlerConfig, CrawlFailed, CrawlOutcome, crawl
from local.aws.logs import write_events

if TYPE_CHECKING:
    from moto.glue.models import FakeCrawler


log = logging.getLogger(__name__)
LOG_GROUP = "/aws-glue/crawlers"
FINISHED = ("COMPLETED", "FAILED", "STOPPED")
LAST_CRAWL_STATUS = {"COMPLETED": "SUCCEEDED", "FAILED": "FAILED", "STOPPED": "CANCELLED"}


class CrawlerStoppingException(GlueClientError):
    def __init__(self, msg: str) -> None:
        super().__init__("CrawlerStoppingException", msg)


class CrawlRun:
    def __init__(self, crawler_name: str, min_seconds: float = 0.0) -> None:
        self.min_seconds = min_seconds  # the pace's least crawl (``local.aws.pace``)
        self.crawl_id = str(uuid.uuid4())
        self.crawler_name = crawler_name
        self.status = "RUNNING"
        self.start_time: datetime = utcnow()
        self.end_time: datetime | None = None
        self.error_message: str | None = None
        self.log_group = LOG_GROUP
        self.log_stream = crawler_name
        self.message_prefix = self.crawl_id
        self.dpu_hour = 0.0
        self.outcome: CrawlOutcome | None = None
        self.messages: list[str] = []
        self.cancel_requested = threading.Event()
        self._lock = threading.Lock()  # StopCrawler (a server thread) races the worker's transitions
        self.started_monotonic = time.monotonic()
        self._ended: float | None = None

    # Progress protocol, called from the worker ---------------------------------------
    def check_cancelled(self) -> None:
        if self.cancel_requested.is_set():
            raise CrawlCancelled()

    def finishing(self) -> None:
        """About to write the catalog: no sooner than the pace's least crawl, as on AWS."""
        pace.hold(self.started_monotonic, self.min_seconds, self.cancel_requested)
        with self._lock:
            self.check_cancelled()
            self.status = "STOPPING"

    def log(self, message: str) -> None:
        self.messages.append(message)

    # -------------------------------------------------------------------------------------
    def request_stop(self) -> None:
        """StopCrawler: only a crawl still RUNNING (not yet writing the catalog) can be stopped."""
        with self._lock:
            if self.finished:
                raise CrawlerNotRunningException(f"Crawler with name {self.crawler_name} isn't running")
            if self.status == "STOPPING":
                raise CrawlerStoppingException(f"Crawler with name {self.crawler_name} is stopping")
            self.cancel_requested.set()
            self.status = "STOPPING"

    def finish(self, status: str, error: str | None = None, outcome: CrawlOutcome | None = None) -> None:
        with self._lock:
            self.error_message = error
            self.outcome = outcome
            self.end_time = utcnow()
            self._ended = time.monotonic()
            self.status = status  # last: readers take FINISHED as "all fields set"

    @property
    def finished(self) -> bool:
        return self.status in FINISHED

    @property
    def elapsed_seconds(self) -> float:
        return (self._ended or time.monotonic()) - self.started_monotonic

    def advance(self) -> None:
        """moto's ListCrawls ticks its simulated crawls; a real run moves on its own."""

    def last_crawl(self) -> dict[str, Any]:
        info: dict[str, Any] = {
            "Status": LAST_CRAWL_STATUS[self.status],
            "LogGroup": self.log_group,
            "LogStream": self.log_stream,
            "MessagePrefix": self.message_prefix,
            "StartTime": self.start_time,
        }
        if self.error_message:
            info["ErrorMessage"] = self.error_message
        return info

    def as_dict(self) -> dict[str, Any]:
        """A ListCrawls entry."""
        info: dict[str, Any] = {
            "CrawlId": self.crawl_id,
            "State": "RUNNING" if self.status == "STOPPING" else self.status,
            "StartTime": self.start_time,
            "LogGroup": self.log_group,
            "LogStream": self.log_stream,
            "MessagePrefix": self.message_prefix,
            "DPUHour": self.dpu_hour,
        }
        if self.end_time:
            info["EndTime"] = self.end_time
        if self.error_message:
            info["ErrorMessage"] = self.error_message
        if self.outcome:
            info["Summary"] = (
                f"tables created {len(self.outcome.tables_created)}, updated {len(self.outcome.tables_updated)}, "
                f"deleted {len(self.outcome.tables_deleted)}; partitions added {self.outcome.partitions_added}"
            )
        return info


class Runner:
    """Starts crawl threads against one local endpoint."""

    def __init__(self, ctx: ServiceContext) -> None:
        self.ctx = ctx
        self._threads: set[threading.Thread] = set()
        self._lock = threading.Lock()

    def start(self, crawler: FakeCrawler, region: str) -> CrawlRun:
        with self._lock:
            if crawler.crawls and crawler.crawls[-1].status in ("RUNNING", "STOPPING"):
                raise CrawlerRunningException(f"Crawler with name {crawler.name} has already started")
            run = CrawlRun(crawler.name, self.ctx.pace.crawler_min_seconds)
            crawler.crawls.append(run)
        config = CrawlerConfig(
            name=crawler.name,
            database=crawler.database_name,
            targets=crawler.targets or {},
            table_prefix=crawler.table_prefix,
            schema_change_policy=crawler.schema_change_policy,
            recrawl_policy=crawler.recrawl_policy,
            configuration=crawler.configuration,
        )
        thread = threading.Thread(
            target=self._work, args=(run, config, region), name=f"glue-crawler-{crawler.name}", daemon=True
        )
        with self._lock:
            self._threads.add(thread)
        thread.start()
        return run

    def _work(self, run: CrawlRun, config: CrawlerConfig, region: str) -> None:
        try:
            outcome = crawl(config, self.ctx.s3, glue_catalog(self.ctx.s3.account_id, region), run)
            run.log(f"Crawler {config.name} finished: {run.as_dict().get('Summary', '')}")
            self._write_logs(run, region)
            run.finish("COMPLETED", outcome=outcome)
        except CrawlCancelled:
            run.log("Crawl stopped by StopCrawler")
            self._write_logs(run, region)
            run.finish("STOPPED")
        except CrawlFailed as err:
            run.log(f"ERROR: {err}")
            self._write_logs(run, region)
            run.finish("FAILED", error=str(err))
        except Exception as err:  # a bug here must still end the crawl, not leave it RUNNING
            log.exception("local Glue crawler %s crashed", config.name)
            run.finish("FAILED", error=f"Internal error in the local crawler: {err!r}")
        finally:
            with self._lock:
                self._threads.discard(threading.current_thread())

    def _write_logs(self, run: CrawlRun, region: str) -> None:
        """The crawl's messages in CloudWatch Logs, where Glue writes them (best effort)."""
        try:
            now = int(time.time() * 1000)
            events = [(now, f"[{run.crawl_id}] {m}") for m in run.messages]
            write_events(self.ctx.s3.account_id, region, run.log_group, run.log_stream, events)
        except Exception:
            log.warning("could not write crawler logs for %s", run.crawler_name, exc_info=True)

    def join(self, timeout: float = 30.0) -> None:
        with self._lock:
            threads = list(self._threads)
        for thread in threads:
            thread.join(timeout)
