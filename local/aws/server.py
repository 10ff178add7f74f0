"""One endpoint URL for every AWS service the pipelines use."""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
import threading
import time
from pathlib import Path
from types import TracebackType
from typing import Any

from botocore.client import BaseClient
from moto.moto_server.threaded_moto_server import ThreadedMotoServer

from local.aws import services
from local.aws.context import ServiceContext
from local.aws.credentials import ACCOUNT_ID, local_client
from local.aws.pace import Pace, profile
from local.aws.s3.files import S3Files
from local.aws.state import Snapshotter, StateStore, reattach


class LocalAWS:
    """A moto server on 127.0.0.1 with the project's service adapters installed (``local.aws.services``).

    Port 0 picks a free port. ``data_dir`` holds what the engines keep on disk (a temporary
    folder when not given, removed on stop); a relative one is resolved once, here, because
    engines run processes in folders of their own. Given a ``data_dir``, the services' state is
    kept there too (``local.aws.state``) and a new server in that folder starts where the last
    one stopped, unless ``keep_state`` is False. ``region`` is only the default of ``client()``: the server answers in every region.
    ``pace``: ``instant`` or ``aws`` (``local.aws.pace``).
    """

    def __init__(
        self,
        port: int = 4566,
        host: str = "127.0.0.1",
        region: str = "us-east-1",
        data_dir: Path | None = None,
        keep_state: bool = True,
        pace: str | Pace = "instant",
    ) -> None:
        self._requested = (host, port)
        self.pace = profile(pace) if isinstance(pace, str) else pace
        self.region = region
        self._tmp: tempfile.TemporaryDirectory[str] | None = None
        if data_dir is None:
            self._tmp = tempfile.TemporaryDirectory(prefix="local-aws-")
            data_dir = Path(self._tmp.name)
        self.data_dir = Path(data_dir).resolve()
        self._server: ThreadedMotoServer | None = None
        self._snapshots: Snapshotter | None = None
        self.persistent = self._tmp is None and keep_state
        self.endpoint_url = ""

    def start(self) -> LocalAWS:
        # moto reads these when it builds ARNs and default credentials.
        os.environ.setdefault("MOTO_ACCOUNT_ID", ACCOUNT_ID)
        # One line per request from werkzeug drowns the engines' own logs.
        logging.getLogger("werkzeug").setLevel(logging.WARNING)
        self.data_dir.mkdir(parents=True, exist_ok=True)
        # moto keeps its state in memory: files mirrored from an earlier run's S3 are stale.
        shutil.rmtree(self.data_dir / "s3", ignore_errors=True)
        host, port = self._requested
        self._server = ThreadedMotoServer(ip_address=host, port=port, verbose=False)
        self._server.start()
        wsgi = self._server._server  # moto's werkzeug server
        # The port answers from here on; a request waits until the state is restored and the
        # engines are installed, or it would see a run not yet failed by the restart, or moto alone.
        held = wsgi.app = _HeldApp(wsgi.app)
        bound_host, bound_port = self._server.get_host_and_port()
        self.endpoint_url = f"http://{bound_host}:{bound_port}"
        s3_files = S3Files(self.data_dir / "s3", ACCOUNT_ID)
        if self.persistent:
            store = StateStore(self.data_dir / "state")
            restored = store.load()
            if restored:
                logging.getLogger(__name__).info("local AWS: %d backends restored from %s", restored, store.root)
            self._snapshots = Snapshotter(store).start()
            held.app = self._snapshots.wrap(held.app)  # notes every request it serves
        services.install(ServiceContext(self.endpoint_url, self.data_dir, s3_files, self.pace))
        if self.persistent:
            reattach()
        held.ready.set()
        return self

    def stop(self) -> None:
        snapshots, self._snapshots = self._snapshots, None
        if snapshots is not None:
            snapshots.stop()
        services.uninstall()
        if snapshots is not None:
            snapshots.store.save()  # once the engines have stopped: their last results included
        if self._server is not None:
            self._server.stop()
            self._server = None
        if self._tmp is not None:
            self._tmp.cleanup()
            self._tmp = None

    def client(self, service: str) -> BaseClient:
        return local_client(service, self.endpoint_url, self.region)

    def wait_until_ready(self, timeout: float = 10.0) -> None:
        deadline = time.monotonic() + timeout
        while True:
            try:
                self.client("sts").get_caller_identity()
                return
            except Exception:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)

    def __enter__(self) -> LocalAWS:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()


class _HeldApp:
    """A WSGI app whose requests wait until ``ready`` is set."""

    def __init__(self, app: Any) -> None:
        self.app, self.ready = app, threading.Event()

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        self.ready.wait()
        return self.app(environ, start_response)
