"""HTTP ingest of travel-time rows into a Kinesis stream, as API Gateway -> Kinesis does (the
seed's ``stream.py`` posts to it): ``python -m local.sources.uber_movement.ingest --stream NAME
[--endpoint-url URL] [--port 8500]``.

``POST /rows`` takes one JSON object or an array of up to 500, each with the export's eight
columns (strings, or numbers for the ids and travel times) and optionally a ``replay_id``. A row
without one gets ``sha256:<16 hex>`` of its content, so a client that posts the same row again
(after a timeout, say) names the same row and the lake keeps it once. The answer is 200
``{"written": n, "replay_ids": [...]}`` once every row is on the stream; bad input is a 400 with
``{"message": ...}`` naming the row and the field, a body over 5 MiB a 413, a stream that will
not take the rows a 503 (nothing to retry by hand: the rows that did go in keep their ids).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import logging
import random
import sys
import threading
import time
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any

import boto3

from local.aws.credentials import CREDENTIALS
from local.sources.uber_movement.replay import (
    MAX_BATCH_BYTES,
    MAX_BATCH_RECORDS,
    Outcome,
    Record,
    ReplayError,
    batches,
    put_batch,
)
from local.sources.uber_movement.travel_times import COLUMNS, NUMBERS

log = logging.getLogger(__name__)
IDS = (COLUMNS[0], COLUMNS[2])


class BadRows(ValueError):
    pass


def _check_row(position: int, row: Any) -> dict[str, Any]:
    where = f"row {position}"
    if not isinstance(row, dict):
        raise BadRows(f"{where}: a row is a JSON object, got {type(row).__name__}")
    missing = [c for c in COLUMNS if c not in row]
    if missing:
        raise BadRows(f"{where}: missing {', '.join(repr(c) for c in missing)}")
    unknown = sorted(set(row) - set(COLUMNS) - {"replay_id"})
    if unknown:
        raise BadRows(f"{where}: unknown field {', '.join(repr(c) for c in unknown)}")
    for column in COLUMNS:
        value = row[column]
        numeric = column in NUMBERS or column in IDS
        if isinstance(value, bool) or not isinstance(value, (str, int, float) if numeric else str):
            kind = "a string or a number" if numeric else "a string"
            raise BadRows(f"{where}: {column!r} must be {kind}, got {json.dumps(value)}")
    if "replay_id" in row and not (isinstance(row["replay_id"], str) and 0 < len(row["replay_id"]) <= 256):
        raise BadRows(f"{where}: 'replay_id' must be a string of 1 to 256 characters")
    return row


def parse_rows(body: bytes) -> list[Record]:
    """The posted rows as stream records, or BadRows saying what is wrong."""
    try:
        posted = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise BadRows(f"the body is not JSON: {exc}") from None
    rows = posted if isinstance(posted, list) else [posted]
    if not rows:
        raise BadRows("no rows")
    if len(rows) > MAX_BATCH_RECORDS:
        raise BadRows(f"{len(rows)} rows; at most {MAX_BATCH_RECORDS} a request")
    records = []
    for position, row in enumerate(rows, start=1):
        row = dict(_check_row(position, row))
        canonical = json.dumps({c: row[c] for c in COLUMNS}, sort_keys=True, separators=(",", ":"))
        row.setdefault("replay_id", "sha256:" + hashlib.sha256(canonical.encode()).hexdigest()[:16])
        records.append(Record(row["replay_id"], (json.dumps(row) + "\n").encode()))
    return records


class _Handler(BaseHTTPRequestHandler):
    ingest: IngestEndpoint

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("ingest: " + format, *args)

    def _answer(self, status: HTTPStatus, body: dict[str, Any]) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_POST(self) -> None:
        if self.path.split("?")[0] != "/rows":
            self._answer(HTTPStatus.NOT_FOUND, {"message": f"no such resource {self.path}; POST /rows"})
            return
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_BATCH_BYTES:
            self._answer(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, {"message": f"body over {MAX_BATCH_BYTES} bytes"})
            return
        try:
            requests = list(batches(parse_rows(self.rfile.read(length))))
        except (BadRows, ReplayError) as exc:
            self._answer(HTTPStatus.BAD_REQUEST, {"message": str(exc)})
            return
        try:
            for batch in requests:
                put_batch(self.ingest.kinesis, self.ingest.stream, batch, Outcome(), time.sleep, random.Random())
        except ReplayError as exc:
            self._answer(HTTPStatus.SERVICE_UNAVAILABLE, {"message": str(exc)})
            return
        ids = [r.partition_key for batch in requests for r in batch]
        self._answer(HTTPStatus.OK, {"written": len(ids), "replay_ids": ids})

    def do_GET(self) -> None:
        self._answer(HTTPStatus.METHOD_NOT_ALLOWED, {"message": "POST /rows"})


class IngestEndpoint:
    """The endpoint on ``host:port`` (0: a free port), served by background threads."""

    def __init__(self, kinesis: Any, stream: str, host: str = "127.0.0.1", port: int = 0) -> None:
        self.kinesis, self.stream = kinesis, stream
        self._address = (host, port)
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        if self._httpd is None:
            raise RuntimeError("the ingest endpoint is not running")
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> IngestEndpoint:
        self._httpd = ThreadingHTTPServer(self._address, type("Handler", (_Handler,), {"ingest": self}))
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, name="uber-ingest", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None

    def __enter__(self) -> IngestEndpoint:
        return self.start()

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self.stop()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m local.sources.uber_movement.ingest", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--stream", required=True, help="Kinesis data stream name")
    parser.add_argument("--endpoint-url", help="e.g. http://127.0.0.1:4566 for the local AWS (default: AWS)")
    parser.add_argument("--region")
    parser.add_argument("--port", type=int, default=8500)
    args = parser.parse_args(argv)
    session = boto3.Session(region_name=args.region)
    if args.endpoint_url and session.get_credentials() is None:
        session = boto3.Session(region_name=args.region, **CREDENTIALS)
    with IngestEndpoint(session.client("kinesis", endpoint_url=args.endpoint_url), args.stream, port=args.port) as api:
        print(f"ingest endpoint: POST {api.url}/rows -> {args.stream}", flush=True)
        try:
            threading.Event().wait()
        except KeyboardInterrupt:
            pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
