"""HTTP ingest of travel-time rows into a Kinesis stream, as API Gateway -> Kinesis does (the
seed's ``stream.py`` posts to it): ``python -m local.sources.uber_movement.ingest --stream NAME
[--endpoint-url URL] [--port 8500]``.

``POST /rows`` takes one JSON object or an array of up to 500, each with the export's eight
columns (strings, or numbers for the ids and travel times) and its ``replay_id``: a row is named
``<source file>:<row number>`` whichever way it arrives, as the replay producer names it, so a
row posted again, or also replayed from its file, is kept once in the lake. Each row must be
typable by the rules the Glue job types with (``include/glue/uber_movement_rules.py``). The
answer is 200 ``{"written": n, "replay_ids": [...]}`` once every row is on the stream; a bad row
is a 400 with ``{"message": ...}`` naming the row and its field, and nothing of the request is
written. A body must come whole with its Content-Length (411 without one or chunked, 400 when it
is no number), of at most 5 MiB (413), within a few seconds (408: a slow or short body is not
waited for). A stream that will not take the rows is a 503 (the rows that did go in keep their ids).
"""

from __future__ import annotations

import argparse
import json
import logging
import random
import re
import sys
import threading
import time
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any

import boto3

from include.glue.uber_movement_rules import REPLAY_ID_FORM, SOURCE_COLUMNS, reject_reason
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

log = logging.getLogger(__name__)
READ_TIMEOUT = 5.0  # seconds a client may stay silent, and at most twice that to send its body


class BadRows(ValueError):
    pass


class BadRequest(Exception):
    """A request refused before its rows are read: its status and message."""

    def __init__(self, status: HTTPStatus, message: str) -> None:
        super().__init__(message)
        self.status = status


class JsonNumber(str):
    """A JSON number as it was written, so the rules read it as the Glue job does (as text)."""


def _not_json(constant: str) -> None:
    raise BadRows(f"the body is not JSON: {constant} is not a JSON value")


def _check_row(position: int, row: Any) -> dict[str, Any]:
    where = f"row {position}"
    if not isinstance(row, dict):
        raise BadRows(f"{where}: a row is a JSON object, got {type(row).__name__}")
    missing = [c for c in (*SOURCE_COLUMNS, "replay_id") if c not in row]
    if missing:
        raise BadRows(f"{where}: missing {', '.join(repr(c) for c in missing)}")
    unknown = sorted(set(row) - set(SOURCE_COLUMNS) - {"replay_id"})
    if unknown:
        raise BadRows(f"{where}: unknown field {', '.join(repr(c) for c in unknown)}")
    for column, (_, kind) in SOURCE_COLUMNS.items():
        value = row[column]
        numeric = kind != "string"
        if not isinstance(value, str) or (isinstance(value, JsonNumber) and not numeric):
            kind = "a string or a number" if numeric else "a string"
            shown = value if isinstance(value, JsonNumber) else json.dumps(value)
            raise BadRows(f"{where}: {column!r} must be {kind}, got {shown}")
    if isinstance(row["replay_id"], JsonNumber) or not isinstance(row["replay_id"], str):
        raise BadRows(f"{where}: 'replay_id' must be a string {REPLAY_ID_FORM}")
    reason = reject_reason(row)
    if reason is not None:
        raise BadRows(f"{where}: {reason}")
    return row


def parse_rows(body: bytes) -> list[Record]:
    """The posted rows as stream records, or BadRows saying what is wrong (the first broken rule
    of the first bad row, as the Glue job would reject it)."""
    try:
        posted = json.loads(body, parse_int=JsonNumber, parse_float=JsonNumber, parse_constant=_not_json)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise BadRows(f"the body is not JSON: {exc}") from None
    except RecursionError:
        raise BadRows("the body is not JSON this endpoint reads: nested too deeply") from None
    rows = posted if isinstance(posted, list) else [posted]
    if not rows:
        raise BadRows("no rows")
    if len(rows) > MAX_BATCH_RECORDS:
        raise BadRows(f"{len(rows)} rows; at most {MAX_BATCH_RECORDS} a request")
    records = []
    for position, row in enumerate(rows, start=1):
        row = _check_row(position, row)
        # Numbers go on the stream as the client wrote them (JSON numbers, not strings).
        on_stream = {k: json.loads(v) if isinstance(v, JsonNumber) else v for k, v in row.items()}
        records.append(Record(row["replay_id"], (json.dumps(on_stream) + "\n").encode()))
    return records


def content_length(headers: Any) -> int:
    """The body's length from the headers, or BadRequest: a body is sent whole, with its length."""
    if headers.get("Transfer-Encoding"):
        raise BadRequest(HTTPStatus.LENGTH_REQUIRED, "send the body with a Content-Length, not chunked")
    value = headers.get("Content-Length")
    if value is None:
        raise BadRequest(HTTPStatus.LENGTH_REQUIRED, "a Content-Length is required")
    if not re.fullmatch(r"\d{1,10}", value.strip()):
        raise BadRequest(HTTPStatus.BAD_REQUEST, f"Content-Length {value!r} is not a number of bytes")
    length = int(value)
    if length > MAX_BATCH_BYTES:
        raise BadRequest(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, f"body over {MAX_BATCH_BYTES} bytes")
    return length


class _Handler(BaseHTTPRequestHandler):
    ingest: IngestEndpoint
    timeout = READ_TIMEOUT  # of every read on the connection: a silent client is let go

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("ingest: " + format, *args)

    def _answer(self, status: HTTPStatus, body: dict[str, Any]) -> None:
        data = json.dumps(body).encode()
        if status >= 400:
            self.close_connection = True  # the rest of its body, if any, is not read
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(data)

    def _read_body(self, length: int) -> bytes:
        deadline = time.monotonic() + 2 * READ_TIMEOUT
        chunks, received = [], 0
        while received < length:
            if time.monotonic() > deadline:
                raise BadRequest(HTTPStatus.REQUEST_TIMEOUT, f"the body took over {2 * READ_TIMEOUT:.0f} s")
            try:
                chunk = self.rfile.read1(min(length - received, 1 << 16))
            except TimeoutError:
                chunk = None
            if not chunk:
                raise BadRequest(HTTPStatus.REQUEST_TIMEOUT, f"the body ended after {received} of {length} bytes")
            chunks.append(chunk)
            received += len(chunk)
        return b"".join(chunks)

    def do_POST(self) -> None:
        if self.path.split("?")[0] != "/rows":
            self._answer(HTTPStatus.NOT_FOUND, {"message": f"no such resource {self.path}; POST /rows"})
            return
        try:
            requests = list(batches(parse_rows(self._read_body(content_length(self.headers)))))
        except BadRequest as exc:
            self._answer(exc.status, {"message": str(exc)})
            return
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
