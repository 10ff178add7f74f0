"""The HTTP ingest endpoint: valid rows onto the stream with a replay_id, bad input a clear 4xx."""

from __future__ import annotations

import json
import socket
import time
import urllib.error
import urllib.request
import uuid

import pytest

from local.sources.uber_movement.ingest import IngestEndpoint
from local.sources.uber_movement.travel_times import COLUMNS, rows
from tests.support.kinesis import read_stream


def post(url: str, body: object | bytes) -> tuple[int, dict]:
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    request = urllib.request.Request(f"{url}/rows", data=data, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=30) as answer:
            return answer.status, json.loads(answer.read())
    except urllib.error.HTTPError as err:
        return err.code, json.loads(err.read())


@pytest.fixture
def endpoint(local_aws):
    kinesis = local_aws.client("kinesis")
    name = f"ingest-{uuid.uuid4().hex[:8]}"
    kinesis.create_stream(StreamName=name, ShardCount=1)
    with IngestEndpoint(kinesis, name) as api:
        yield api, kinesis, name


def named(sample: list[dict], file: str = "sample.csv") -> list[dict]:
    """The rows with the replay_ids the replay producer gives them."""
    return [{**row, "replay_id": f"{file}:{number}"} for number, row in enumerate(sample, start=1)]


def test_posted_rows_go_onto_the_stream_once_each_with_their_replay_id(endpoint):
    api, kinesis, name = endpoint
    sample = named(list(rows(3, seed=11)))
    sample[1] = {**sample[1], "Mean Travel Time (Seconds)": 612.5, "Origin Movement ID": 7}

    status, answer = post(api.url, sample)
    assert (status, answer) == (200, {"written": 3, "replay_ids": ["sample.csv:1", "sample.csv:2", "sample.csv:3"]})
    on_stream = read_stream(kinesis, name)
    assert on_stream == sample  # numbers stay numbers
    assert isinstance(on_stream[1]["Origin Movement ID"], int)


VALID = {**dict(zip(COLUMNS, ["7", "A", "9", "B", "1/1/2020 - 1/31/2020, Every day, Daily Average", "600", "500", "700"],
                   strict=True)), "replay_id": "file.csv:1"}  # fmt: skip
MEAN = "Mean Travel Time (Seconds)"
TOO_BIG = json.dumps([{**VALID, MEAN: 0}]).replace('": 0', '": 1e400').encode()  # a number over a double's range


@pytest.mark.parametrize(
    ("body", "status", "message"),
    [
        (b"{not json", 400, "the body is not JSON"),
        (b"[" * 100_000, 400, "nested too deeply"),
        (b'[{"Mean Travel Time (Seconds)": NaN}]', 400, "NaN is not a JSON value"),
        ([], 400, "no rows"),
        (["a row"], 400, "row 1: a row is a JSON object, got str"),
        ([{c: "1" for c in COLUMNS[1:]}], 400, "row 1: missing 'Origin Movement ID'"),
        ([{**VALID, "Speed": "9"}], 400, "row 1: unknown field 'Speed'"),
        ([{**VALID, "Origin Display Name": 5}], 400, "row 1: 'Origin Display Name' must be a string, got 5"),
        ([{**VALID, MEAN: [1]}], 400, "must be a string or a number, got ["),
        ([VALID] * 501, 400, "501 rows; at most 500 a request"),
        # One identity rule: a row is named by its file and row number, however it arrives.
        ([{k: v for k, v in VALID.items() if k != "replay_id"}], 400, "row 1: missing 'replay_id'"),
        ([{**VALID, "replay_id": "sha256:0123456789abcdef"}], 400, "replay_id is not '<source file>:<row number>'"),
        ([{**VALID, "replay_id": 12}], 400, "'replay_id' must be a string '<source file>:<row number>'"),
        # The Glue job's typing rules, with its reasons, for the first bad row.
        ([VALID, {**VALID, MEAN: "abc"}], 400, f"row 2: {MEAN} is not a finite number"),
        ([{**VALID, MEAN: "NaN"}], 400, f"row 1: {MEAN} is not a finite number"),
        (TOO_BIG, 400, f"row 1: {MEAN} is not a finite number"),
        ([{**VALID, MEAN: -5}], 400, f"row 1: {MEAN} is negative"),
        ([{**VALID, "Origin Movement ID": 1.5}], 400, "row 1: Origin Movement ID is not an integer"),
        ([{**VALID, "Origin Movement ID": 1e30}], 400, "row 1: Origin Movement ID is not an integer"),
        ([{**VALID, "Date Range": "yesterday"}], 400, "row 1: Date Range is not 'M/D/YYYY - M/D/YYYY, ...'"),
        ([{**VALID, "Date Range": "2/30/2020 - 3/1/2020"}], 400, "row 1: Date Range is not"),
        ([{**VALID, "Date Range": "2/1/2020 - 1/1/2020"}], 400, "row 1: Date Range ends before it starts"),
    ],
)
def test_bad_input_is_a_4xx_that_says_what_is_wrong_and_writes_nothing(endpoint, body, status, message):
    api, kinesis, name = endpoint
    answer_status, answer = post(api.url, body)
    assert answer_status == status and message in answer["message"]
    assert read_stream(kinesis, name) == []


def raw_request(url: str, head: bytes, body: bytes = b"", pause_after: float = 0.0) -> tuple[bytes, float]:
    """Send a hand-made request, then read the answer; its status line and how long it took."""
    host, port = url.removeprefix("http://").split(":")
    started = time.monotonic()
    with socket.create_connection((host, int(port)), timeout=30) as conn:
        conn.sendall(head + b"\r\n" + body)
        answer = conn.recv(65536)
    return answer.split(b"\r\n", 1)[0], time.monotonic() - started


ROWS_HEAD = b"POST /rows HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"


@pytest.mark.parametrize(
    ("headers", "body", "status"),
    [
        (b"Content-Length: abc\r\n", b"[]", b"400"),
        (b"Content-Length: -1\r\n", b"[]", b"400"),
        (b"", b"[]", b"411"),
        (b"Transfer-Encoding: chunked\r\n", b"2\r\n[]\r\n0\r\n\r\n", b"411"),
        (b"Content-Length: 100\r\n", b"[]", b"408"),  # a body shorter than its length
        (b"Content-Length: 6000000\r\n", b"[]", b"413"),
    ],
)
def test_a_malformed_request_is_answered_with_a_4xx_within_seconds(endpoint, headers, body, status):
    api, kinesis, name = endpoint
    status_line, seconds = raw_request(api.url, ROWS_HEAD + headers, body)
    assert status_line.split(b" ")[1] == status, status_line
    assert seconds < 15
    assert read_stream(kinesis, name) == []


def test_a_slow_client_does_not_hold_the_endpoint(endpoint):
    api, _, _ = endpoint
    with socket.create_connection(tuple(api.url.removeprefix("http://").split(":")), timeout=30) as silent:
        silent.sendall(ROWS_HEAD + b"Content-Length: 50\r\n\r\n[")  # and then nothing
        status, answer = post(api.url, named([VALID]))
        assert status == 200 and answer["written"] == 1
        assert silent.recv(65536).split(b"\r\n", 1)[0].split(b" ")[1] == b"408"


def test_other_paths_and_methods_are_refused(endpoint):
    api, _, _ = endpoint
    request = urllib.request.Request(f"{api.url}/other", data=b"[]", method="POST")
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request, timeout=10)
    assert refused.value.code == 404
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(f"{api.url}/rows", timeout=10)
    assert refused.value.code == 405
