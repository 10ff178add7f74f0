"""Runs queries in worker threads: QUEUED -> RUNNING -> SUCCEEDED / FAILED / CANCELLED."""

from __future__ import annotations

import logging
import re
import shutil
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
from sqlglot import exp

from local.aws.athena import ddl, query, results, translate, write
from local.aws.athena.catalog import Catalog
from local.aws.athena.errors import QueryFailed, ScanLimitExceeded
from local.aws.athena.results import ResultSet
from local.aws.athena.session import Session
from local.aws.athena.sqltext import strip_comments
from local.aws.pace import PROFILES, Pace
from local.aws.s3.files import S3Files, split_uri

log = logging.getLogger(__name__)
TERMINAL = ("SUCCEEDED", "FAILED", "CANCELLED")

_SUBSTATEMENTS = [
    (r"^CREATE\s+(DATABASE|SCHEMA)\b", "DDL", "CREATE_DATABASE"),
    (r"^DROP\s+(DATABASE|SCHEMA)\b", "DDL", "DROP_DATABASE"),
    (r"^CREATE\s+EXTERNAL\s+TABLE\b", "DDL", "CREATE_TABLE"),
    (r"^CREATE\s+TABLE\b.*\bAS\b", "DDL", "CREATE_TABLE_AS_SELECT"),
    (r"^CREATE\s+TABLE\b", "DDL", "CREATE_TABLE"),
    (r"^DROP\s+TABLE\b", "DDL", "DROP_TABLE"),
    (r"^ALTER\s+TABLE\s+\S+\s+ADD\b", "DDL", "ALTER_TABLE_ADD_PARTITION"),
    (r"^ALTER\s+TABLE\s+\S+\s+DROP\b", "DDL", "ALTER_TABLE_DROP_PARTITION"),
    (r"^MSCK\b", "DDL", "MSCK_REPAIR_TABLE"),
    (r"^SHOW\s+PARTITIONS\b", "UTILITY", "SHOW_PARTITIONS"),
    (r"^SHOW\s+(DATABASES|SCHEMAS)\b", "UTILITY", "SHOW_DATABASES"),
    (r"^SHOW\b", "UTILITY", "SHOW_TABLES"),
    (r"^(DESCRIBE|EXPLAIN)\b", "UTILITY", "DESCRIBE_TABLE"),
    (r"^INSERT\b", "DML", "INSERT"),
    (r"^UNLOAD\b", "DML", "UNLOAD"),
]


def classify(sql: str) -> tuple[str, str]:
    """(StatementType, SubstatementType) as GetQueryExecution reports them."""
    text = strip_comments(sql)
    for pattern, kind, sub in _SUBSTATEMENTS:
        if re.match(pattern, text, re.I | re.S):
            return kind, sub
    return "DML", "SELECT"


@dataclass
class QueryRun:
    query_id: str
    sql: str
    database: str
    output_location: str  # s3://.../<id>.csv (or .txt)
    statement_type: str
    substatement_type: str
    catalog: Catalog  # the Glue Data Catalog of the request's account and region
    bytes_cutoff: int | None = None  # the workgroup's BytesScannedCutoffPerQuery
    state: str = "QUEUED"
    reason: str | None = None
    submitted: float = field(default_factory=time.time)
    started: float | None = None
    completed: float | None = None
    result: ResultSet | None = None
    session: Session | None = None
    cancelled: threading.Event = field(default_factory=threading.Event)
    connection: duckdb.DuckDBPyConnection | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)
    done: threading.Event = field(default_factory=threading.Event)

    @property
    def bytes_scanned(self) -> int:
        return self.session.bytes_scanned if self.session else 0

    def statistics(self) -> dict[str, object]:
        now = time.time()
        started = self.started or now
        completed = self.completed or now
        queue_ms = int((started - self.submitted) * 1000)
        engine_ms = int((completed - started) * 1000) if self.started else 0
        return {
            "EngineExecutionTimeInMillis": engine_ms,
            "DataScannedInBytes": self.bytes_scanned,
            "TotalExecutionTimeInMillis": int((completed - self.submitted) * 1000),
            "QueryQueueTimeInMillis": queue_ms,
            "ServicePreProcessingTimeInMillis": 0,
            "QueryPlanningTimeInMillis": 0,
            "ServiceProcessingTimeInMillis": 0,
            "ResultReuseInformation": {"ReusedPreviousResult": False},
        }


class Executor:
    """Runs each statement in a worker thread; with a ``pace`` (``local.aws.pace``), a statement
    stays QUEUED and then RUNNING at least as long as the pace says (timers, not worker threads,
    hold it: a held statement takes no engine capacity, as a queued one on Athena takes none)."""

    def __init__(self, s3: S3Files, scratch: Path, workers: int = 4, pace: Pace = PROFILES["instant"]) -> None:
        self.s3 = s3
        self.scratch = scratch
        self.pace = pace
        self.runs: dict[str, QueryRun] = {}
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="athena-query")

    def submit(self, run: QueryRun) -> None:
        self.runs[run.query_id] = run
        self._later(self.pace.athena_queue_seconds, self._enqueue, run)

    def _enqueue(self, run: QueryRun) -> None:
        try:
            self._pool.submit(self._run, run)
        except RuntimeError:  # the endpoint stopped while the statement was held: it was cancelled
            run.done.set()

    @staticmethod
    def _later(seconds: float, call: Callable[..., None], *args: object) -> None:
        if seconds <= 0:
            call(*args)
            return
        timer = threading.Timer(seconds, call, args)
        timer.daemon = True
        timer.start()

    def cancel(self, query_id: str) -> None:
        run = self.runs.get(query_id)
        if run is None:
            return
        with run.lock:
            if run.state in TERMINAL:
                return
            run.cancelled.set()
            run.state, run.reason, run.completed = "CANCELLED", "Query was cancelled by user", time.time()
        # An interrupt only stops the statement DuckDB is running at that moment, so keep sending
        # it until the worker has let go of the query.
        threading.Thread(target=self._interrupt_until_done, args=(run,), daemon=True).start()

    @staticmethod
    def _interrupt_until_done(run: QueryRun) -> None:
        while not run.done.wait(0.05):
            with run.lock:
                if run.connection is not None:
                    run.connection.interrupt()

    def shutdown(self) -> None:
        for run in list(self.runs.values()):
            self.cancel(run.query_id)
        self._pool.shutdown(wait=True, cancel_futures=True)

    def _finish_paced(self, run: QueryRun, state: str, reason: str | None = None) -> None:
        """End the statement once it has run as long as the pace says for what it scanned."""
        assert run.started is not None
        remaining = run.started + self.pace.athena_run_seconds(run.bytes_scanned) - time.time()
        self._later(remaining, self._finish, run, state, reason)

    def _finish(self, run: QueryRun, state: str, reason: str | None = None) -> None:
        with run.lock:
            if run.state in TERMINAL:  # cancelled meanwhile: the cancel wins
                return
            run.state, run.reason, run.completed = state, reason, time.time()

    def _run(self, run: QueryRun) -> None:
        with run.lock:
            if run.state != "QUEUED":
                run.done.set()
                return
            run.state, run.started = "RUNNING", time.time()
        scratch = self.scratch / run.query_id
        scratch.mkdir(parents=True, exist_ok=True)
        session = Session(
            query_id=run.query_id,
            catalog=run.catalog,
            s3=self.s3,
            database=run.database,
            scratch=scratch,
            output_location=run.output_location.rsplit("/", 1)[0] + "/",
            cancelled=run.cancelled,
            bytes_cutoff=run.bytes_cutoff,
        )
        run.session = session
        conn = query.connect([self.s3.root, self.scratch])
        with run.lock:
            run.connection = conn
        try:
            session.check_cancelled()
            if run.catalog.access is not None:  # every query needs the catalog's default database
                run.catalog.access.glue("glue:GetDatabase", "default")
            result = self._execute(session, conn, run.sql)
            session.check_cancelled()
            if run.catalog.access is not None:
                run.catalog.access.write(*split_uri(run.output_location))
            results.store(self.s3, run.output_location, result)
            run.result = result
            self._finish_paced(run, "SUCCEEDED")
        except (QueryFailed, ScanLimitExceeded) as failure:
            self._finish_paced(run, "FAILED", str(failure))
        except duckdb.InterruptException:
            self._finish(run, "CANCELLED", "Query was cancelled by user")
        except Exception as err:  # a bug here must still end the query, with the reason visible
            log.exception("local Athena failed on query %s", run.query_id)
            self._finish(run, "FAILED", f"GENERIC_INTERNAL_ERROR: {type(err).__name__}: {err}")
        finally:
            with run.lock:
                run.connection = None
            conn.close()
            shutil.rmtree(scratch, ignore_errors=True)
            run.done.set()

    def _execute(self, session: Session, conn: duckdb.DuckDBPyConnection, sql: str) -> ResultSet:
        text = strip_comments(sql)
        if not text:
            raise QueryFailed("SYNTAX_ERROR", "line 1:1: empty statement")
        if ddl.handles(text):
            return ddl.run(session, text)
        if write.handles(text):
            return write.run(session, conn, text)
        tree = translate.parse(text)
        if isinstance(tree, exp.Query | exp.Values):
            return query.run_select(session, conn, tree, text)
        if isinstance(tree, exp.Delete | exp.Update | exp.Merge):
            kind = type(tree).__name__.upper()
            raise QueryFailed("NOT_SUPPORTED", f"Modifying non-Iceberg Hive tables is not supported ({kind})")
        first = text.split(None, 2)[:2]
        raise QueryFailed(
            "NOT_SUPPORTED", f"Statement '{' '.join(first).upper()}' is not supported by the local Athena"
        )
