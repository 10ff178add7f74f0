"""The local AWS's state on disk, so that it survives a restart as AWS's does.

moto keeps every service's resources in memory (its backends). ``StateStore`` writes them all,
as one pickle (objects that several services share stay shared), to ``<data dir>/state/``. A
request that may change state is answered only once a snapshot taken after it is on disk (one
snapshot serves every request waiting for it, as a database's group commit), so what the server
acknowledged survives a SIGKILL: only requests in flight are lost. Work the engines finish
between requests (an Athena query, a job run) is saved every ``interval`` seconds while the
server is busy (longer when a snapshot takes over a tenth of that). S3 objects' bytes are kept
apart, one file per content (``blobs/``), written once; the pickle holds their metadata. A
snapshot is written to a temporary file, flushed to disk and renamed over the last one: a crash
while writing leaves the previous snapshot whole.

What cannot outlive the process is not kept: locks, events and threads come back new, and
engine connections (DuckDB) are opened again when needed. Work that was running when the
process ended (an Athena query, a Glue job run, a crawl) cannot be resumed: it comes back
FAILED, naming the restart, as a run on AWS whose host failed.
"""

from __future__ import annotations

import io
import logging
import os
import pickle
import queue
import sys
import threading
import time
import weakref
from collections.abc import Iterator
from concurrent.futures import Executor
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import cloudpickle
from moto.core.base_backend import BackendDict, BaseBackend
from moto.s3.models import FakeKey

log = logging.getLogger(__name__)
RESTARTED = "the local AWS restarted while this ran"
# What a process holds and a new one makes afresh, and what it cannot have again at all.
_MADE_AGAIN = {
    type(threading.Lock()): threading.Lock,
    type(threading.RLock()): threading.RLock,
    threading.Event: threading.Event,
    threading.Condition: threading.Condition,
    weakref.WeakValueDictionary: weakref.WeakValueDictionary,  # caches: empty again
    weakref.WeakKeyDictionary: weakref.WeakKeyDictionary,
    weakref.WeakSet: weakref.WeakSet,
}
_GONE = (threading.Thread, queue.Queue, Executor, io.IOBase, weakref.ref)


def _made(kind: type) -> Any:
    return kind()


def _gone() -> None:
    return None


def _key(state: dict[str, Any], blob: str, root: str) -> FakeKey:
    key = FakeKey.__new__(FakeKey)
    key.__setstate__({**state, "value": (Path(root) / blob).read_bytes()})
    return key


class _Pickler(cloudpickle.Pickler):
    """cloudpickle's (moto's backends hold lambdas, as defaultdict factories), which keeps S3
    objects' bytes apart and leaves out what a new process cannot have."""

    def __init__(self, file: Any, store: StateStore) -> None:
        super().__init__(file, protocol=pickle.HIGHEST_PROTOCOL)
        self.store = store

    def reducer_override(self, obj: Any) -> Any:
        if isinstance(obj, FakeKey):
            state = {k: v for k, v in obj.__dict__.items() if k not in ("_value_buffer", "lock")}
            return _key, (state, self.store.blob(obj), str(self.store.blobs))
        kind = type(obj)
        if kind in _MADE_AGAIN:
            return _made, (_MADE_AGAIN[kind],)
        if isinstance(obj, _GONE) or kind.__module__.startswith("duckdb"):
            return _gone, ()
        return super().reducer_override(obj)


def _write_durably(path: Path, data: bytes | memoryview) -> None:
    """``path`` holds ``data`` whole or not at all, and on disk: written aside, flushed, renamed."""
    partial = path.with_name(f"{path.name}.partial")
    with open(partial, "wb") as out:
        out.write(data)
        out.flush()
        os.fsync(out.fileno())
    partial.replace(path)


def backend_dicts() -> Iterator[tuple[str, BackendDict]]:
    """Every moto service's backends in use, by a name that finds them again in a new process."""
    for backends in list(BackendDict._instances):
        cls = backends.backend
        yield f"{cls.__module__}:{cls.__qualname__}", backends


def _backends_named(name: str) -> BackendDict | None:
    module_name, _, qualname = name.partition(":")
    __import__(module_name)
    for value in vars(sys.modules[module_name]).values():
        if isinstance(value, BackendDict) and value.backend.__qualname__ == qualname:
            return value
    return None


class StateStore:
    """Snapshots of every backend in ``root`` (``<data dir>/state``)."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.blobs = root / "blobs"
        self.snapshot = root / "backends.pickle"
        self._used: set[str] = set()  # by the snapshot being written
        self._known: set[str] = set()  # on disk
        self._lock = threading.Lock()

    # saving ---------------------------------------------------------------------------
    def blob(self, key: FakeKey) -> str:
        """The file holding the object's bytes, named by their MD5 and size: written once per
        content, so a snapshot reads only the objects written since the last one."""
        etag = key.etag.strip('"').replace("-", "_")
        name = f"{etag}-{key.size}"
        if name not in self._known and not (self.blobs / name).exists():
            try:
                value = key.value
            except ValueError:  # its buffer is closed: the object was deleted meanwhile
                value = b""
            _write_durably(self.blobs / name, value)
        self._known.add(name)
        self._used.add(name)
        return name

    def save(self) -> None:
        """Write every backend's state; the previous snapshot stays until this one is whole."""
        with self._lock:
            self.blobs.mkdir(parents=True, exist_ok=True)
            for attempt in range(20):
                self._used = set()
                buffer = io.BytesIO()
                state = {
                    name: {account: dict(regions) for account, regions in backends.items()}
                    for name, backends in backend_dicts()
                }
                try:
                    _Pickler(buffer, self).dump(state)
                    break
                except RuntimeError:  # a request in flight changed a dict while it was read: again
                    if attempt == 19:
                        raise
                    time.sleep(0.01)
            _write_durably(self.snapshot, buffer.getbuffer())
            for stale in self._known - self._used:  # objects deleted or overwritten since
                (self.blobs / stale).unlink(missing_ok=True)
            self._known = set(self._used)

    # loading --------------------------------------------------------------------------
    def load(self) -> int:
        """Put the last snapshot's backends in place; returns how many backends it held."""
        if not self.snapshot.exists():
            return 0
        with open(self.snapshot, "rb") as source:
            state: dict[str, dict[str, dict[str, BaseBackend]]] = pickle.load(source)
        count = 0
        for name, accounts in state.items():
            backends = _backends_named(name)
            if backends is None:
                log.warning("local AWS state: no backend %s any more; its state is dropped", name)
                continue
            for account, regions in accounts.items():
                for region, saved in regions.items():
                    backends[account][region].__dict__.update(saved.__dict__)
                    count += 1
        return count


def reattach() -> None:
    """Once the engines run again: runs that were under way when the process ended end FAILED
    (their engine is gone), and the Athena engine knows the restored queries again."""
    from moto.athena.models import AthenaBackend
    from moto.glue.models import GlueBackend

    for _, backends in backend_dicts():
        for backend in (b for regions in backends.values() for b in regions.values()):
            if isinstance(backend, AthenaBackend):
                _reattach_queries(backend)
            elif isinstance(backend, GlueBackend):
                _fail_glue_runs(backend)


def _reattach_queries(backend: Any) -> None:
    from local.aws.athena.adapter import ADAPTER, RealExecution

    for execution in backend.executions.values():
        if not isinstance(execution, RealExecution):
            continue
        run = execution.run
        if run.state in ("QUEUED", "RUNNING"):
            run.state, run.reason, run.completed = "FAILED", RESTARTED, time.time()
            run.done.set()
        ADAPTER.engine.runs[run.query_id] = run


def _fail_glue_runs(backend: Any) -> None:
    from local.aws.glue_crawler.runs import CrawlRun
    from local.aws.glue_jobs.runs import ACTIVE_STATES, LocalJobRun

    for job in backend.jobs.values():
        for run in job.job_runs:
            if isinstance(run, LocalJobRun) and run.status in ACTIVE_STATES:
                run.finish("FAILED", RESTARTED)
    for crawler in backend.crawlers.values():
        for crawl in crawler.crawls:
            if isinstance(crawl, CrawlRun) and not crawl.finished:
                crawl.finish("FAILED", RESTARTED)


# Actions that only read, by AWS's naming (JSON protocol target or Query protocol Action).
_READ_ACTIONS = ("Get", "List", "Describe", "BatchGet", "Search")


def changes_state(environ: dict[str, Any]) -> bool:
    """Whether a request may change state: anything but a GET or HEAD and an action named as a
    read. An unknown action counts as a change (an extra snapshot, never a lost write)."""
    if environ.get("REQUEST_METHOD") in ("GET", "HEAD", "OPTIONS"):
        return False
    target = environ.get("HTTP_X_AMZ_TARGET", "")
    action = target.rpartition(".")[2] if target else _query_action(environ)
    return not (action and action.startswith(_READ_ACTIONS))


def _query_action(environ: dict[str, Any]) -> str:
    """The Query protocol's ``Action``, from the URL or the form body (read and put back)."""
    actions = parse_qs(environ.get("QUERY_STRING", "")).get("Action")
    if actions:
        return actions[0]
    if not environ.get("CONTENT_TYPE", "").startswith("application/x-www-form-urlencoded"):
        return ""
    body = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
    environ["wsgi.input"] = io.BytesIO(body)
    return parse_qs(body.decode("utf-8", "replace")).get("Action", [""])[0]


class Snapshotter:
    """Saves the state for every request that may change it before that request is answered
    (group commit), and every ``interval`` seconds while requests come in (the engines' work
    follows requests)."""

    def __init__(self, store: StateStore, interval: float = 2.0) -> None:
        self.store, self.interval = store, interval
        self.active = False  # a request came in since the last snapshot
        self._begun = self._done = self._wanted = 0  # snapshots started, finished, waited for
        self._stopped = False
        self._turn = threading.Condition()
        self._open = threading.Event()  # cleared while a snapshot reads the state
        self._open.set()
        self._thread = threading.Thread(target=self._loop, name="local-aws-state", daemon=True)

    def start(self) -> Snapshotter:
        self._thread.start()
        return self

    def commit(self) -> None:
        """Return once a snapshot that began after this call is on disk."""
        with self._turn:
            ticket = self._begun + 1  # the one under way may have read the state before the change
            self._wanted = max(self._wanted, ticket)
            self._turn.notify_all()
            self._turn.wait_for(lambda: self._done >= ticket or self._stopped)

    def _loop(self) -> None:
        wait = self.interval
        while True:
            with self._turn:
                self._turn.wait_for(lambda: self._wanted > self._begun or self._stopped, timeout=wait)
                if self._stopped:
                    return
                if not (self._wanted > self._begun or self.active):
                    continue
                self.active = False
                self._begun += 1
                number = self._begun
            started = time.monotonic()
            self._open.clear()  # changes that arrive now wait: fewer dicts changed while read
            try:
                self.store.save()
                saved = True
            except Exception:  # say why; the requests waiting for it wait for the next one
                log.exception("local AWS state: snapshot failed")
                saved = False
            finally:
                self._open.set()
            with self._turn:
                if saved:
                    self._done = number
                else:
                    self._wanted = max(self._wanted, number + 1)
                self._turn.notify_all()
            # Periodic snapshots take at most a tenth of the server's time, however big the state.
            wait = max(self.interval, 10 * (time.monotonic() - started))

    def stop(self) -> None:
        """No more snapshots (the server saves once more when its engines have stopped)."""
        with self._turn:
            self._stopped = True
            self._turn.notify_all()
        self._thread.join()
        self._open.set()

    def wrap(self, app: Any) -> Any:
        """The WSGI app, answering a request that may change state once that change is saved
        (werkzeug sends nothing before the app's first body chunk is written)."""

        def committed(environ: dict[str, Any], start_response: Any) -> Any:
            self.active = True
            changing = changes_state(environ)
            if changing:
                self._open.wait()
            body = app(environ, start_response)
            if changing:
                self.commit()
            return body

        return committed
