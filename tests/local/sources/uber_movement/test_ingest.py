"""The HTTP ingest endpoint: valid rows onto the stream with a replay_id, bad input a clear 4xx."""

from __future__ import annotations

import json
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


def test_posted_rows_go_onto_the_stream_once_each_with_their_replay_id(endpoint):
    api, kinesis, name = endpoint
    sample = list(rows(3, seed=11))
    sample[1] = {**sample[1], "Mean Travel Time (Seconds)": 612.5, "Origin Movement ID": 7, "replay_id": "mine-2"}

    status, answer = post(api.url, sample)
    assert status == 200 and answer["written"] == 3
    assert answer["replay_ids"][1] == "mine-2"
    assert all(i.startswith("sha256:") and len(i) == 23 for i in answer["replay_ids"][::2])
    assert post(api.url, sample[0])[1]["replay_ids"] == [answer["replay_ids"][0]]  # the same row, the same id

    on_stream = read_stream(kinesis, name)
    assert [r["replay_id"] for r in on_stream] == [*answer["replay_ids"], answer["replay_ids"][0]]
    assert on_stream[1] == sample[1]
    assert {k: v for k, v in on_stream[0].items() if k != "replay_id"} == sample[0]


@pytest.mark.parametrize(
    ("body", "status", "message"),
    [
        (b"{not json", 400, "the body is not JSON"),
        ([], 400, "no rows"),
        (["a row"], 400, "row 1: a row is a JSON object, got str"),
        ([{c: "1" for c in COLUMNS[1:]}], 400, "row 1: missing 'Origin Movement ID'"),
        ([{**{c: "1" for c in COLUMNS}, "Speed": "9"}], 400, "row 1: unknown field 'Speed'"),
        (
            [{**{c: "1" for c in COLUMNS}, "Origin Display Name": 5}],
            400,
            "row 1: 'Origin Display Name' must be a string, got 5",
        ),
        (
            [{**{c: "1" for c in COLUMNS}, "Mean Travel Time (Seconds)": [1]}],
            400,
            "must be a string or a number, got [1]",
        ),
        ([{c: "1" for c in COLUMNS}] * 501, 400, "501 rows; at most 500 a request"),
    ],
)
def test_bad_input_is_a_4xx_that_says_what_is_wrong_and_writes_nothing(endpoint, body, status, message):
    api, kinesis, name = endpoint
    answer_status, answer = post(api.url, body)
    assert answer_status == status and message in answer["message"]
    assert read_stream(kinesis, name) == []


def test_other_paths_and_methods_are_refused(endpoint):
    api, _, _ = endpoint
    request = urllib.request.Request(f"{api.url}/other", data=b"[]", method="POST")
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request, timeout=10)
    assert refused.value.code == 404
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(f"{api.url}/rows", timeout=10)
    assert refused.value.code == 405
