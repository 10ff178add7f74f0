"""Firehose delivers Kinesis stream records (and direct puts) into S3 as AWS lays them out."""

from __future__ import annotations

import gzip
import json
import re
import time
import uuid
from datetime import UTC, datetime

import pytest
from botocore.exceptions import ClientError

from local.aws.firehose import adapter as firehose_delivery

BUCKET = "firehose-delivery-tests"
ROLE = "arn:aws:iam::123456789012:role/firehose-delivery-tests"
KEY = re.compile(
    r"(?P<prefix>.*?)(?P<folder>\d{4}/\d\d/\d\d/\d\d)/(?P<name>[\w-]+?)-(?P<version>\d+)-"
    r"(?P<stamp>\d{4}-\d\d-\d\d-\d\d-\d\d-\d\d)-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
)


@pytest.fixture(scope="module")
def aws(local_aws):
    s3 = local_aws.client("s3")
    try:
        s3.create_bucket(Bucket=BUCKET)
    except s3.exceptions.BucketAlreadyOwnedByYou:
        pass
    return local_aws


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def kinesis_stream(aws, shards: int = 1) -> tuple[str, str]:
    kinesis = aws.client("kinesis")
    name = unique("source")
    kinesis.create_stream(StreamName=name, ShardCount=shards)
    return name, kinesis.describe_stream(StreamName=name)["StreamDescription"]["StreamARN"]


def s3_destination(prefix: str, size_mb: int = 5, interval: int = 1, **extra) -> dict:
    return {
        "RoleARN": ROLE,
        "BucketARN": f"arn:aws:s3:::{BUCKET}",
        "Prefix": prefix,
        "BufferingHints": {"SizeInMBs": size_mb, "IntervalInSeconds": interval},
        **extra,
    }


def delivery_from_kinesis(aws, stream_arn: str, destination: dict) -> str:
    name = unique("delivery")
    aws.client("firehose").create_delivery_stream(
        DeliveryStreamName=name,
        DeliveryStreamType="KinesisStreamAsSource",
        KinesisStreamSourceConfiguration={"KinesisStreamARN": stream_arn, "RoleARN": ROLE},
        ExtendedS3DestinationConfiguration=destination,
    )
    return name


def put_lines(aws, stream: str, lines: list[bytes]) -> None:
    """Put every line, as a producer must: entries a shard refuses (over 1 MiB or 1,000 records a
    second) are put again, so a line may land after later ones."""
    kinesis = aws.client("kinesis")
    for start in range(0, len(lines), 500):
        pending = [{"Data": line, "PartitionKey": str(start + i)} for i, line in enumerate(lines[start : start + 500])]
        while pending:
            answer = kinesis.put_records(StreamName=stream, Records=pending)
            pending = [r for r, e in zip(pending, answer["Records"], strict=True) if e.get("ErrorCode")]
            if pending:
                time.sleep(0.1)


def objects(aws, prefix: str) -> list[dict]:
    return aws.client("s3").list_objects_v2(Bucket=BUCKET, Prefix=prefix).get("Contents", [])


def wait_for_objects(aws, prefix: str, count: int, timeout: float = 15.0) -> list[dict]:
    deadline = time.monotonic() + timeout
    while len(found := objects(aws, prefix)) < count and time.monotonic() < deadline:
        time.sleep(0.05)
    assert len(found) == count, [o["Key"] for o in found]
    return found


def body(aws, key: str) -> bytes:
    return aws.client("s3").get_object(Bucket=BUCKET, Key=key)["Body"].read()


def json_lines(count: int, tag: str) -> list[bytes]:
    return [json.dumps({"tag": tag, "seq": i, "speed": 50 + i % 70}).encode() + b"\n" for i in range(count)]


def test_kinesis_records_land_under_the_arrival_hour_prefix(aws):
    stream, stream_arn = kinesis_stream(aws)
    # Firehose starts reading a Kinesis stream at LATEST: this record is never delivered.
    aws.client("kinesis").put_record(StreamName=stream, Data=b'{"old": true}\n', PartitionKey="x")
    prefix = f"{unique('traffic')}/"
    delivery = delivery_from_kinesis(aws, stream_arn, s3_destination(prefix, interval=1))
    lines = json_lines(250, "arrival")

    before = datetime.now(UTC).replace(microsecond=0)
    put_lines(aws, stream, lines)
    after = datetime.now(UTC)

    [obj] = wait_for_objects(aws, prefix, 1)
    match = KEY.fullmatch(obj["Key"])
    assert match, obj["Key"]
    assert (match["prefix"], match["name"], match["version"]) == (prefix, delivery, "1")
    stamp = datetime.strptime(match["stamp"], "%Y-%m-%d-%H-%M-%S").replace(tzinfo=UTC)
    assert before <= stamp <= after
    assert match["folder"] == stamp.strftime("%Y/%m/%d/%H")
    data = body(aws, obj["Key"])
    assert data == b"".join(lines)
    assert len(data.splitlines()) == 250
    assert b"old" not in data


def test_records_of_every_shard_are_delivered_once(aws):
    stream, stream_arn = kinesis_stream(aws, shards=3)
    prefix = f"{unique('sharded')}/"
    delivery_from_kinesis(aws, stream_arn, s3_destination(prefix, interval=1))
    lines = json_lines(600, "sharded")

    put_lines(aws, stream, lines)

    delivered = b"".join(body(aws, o["Key"]) for o in wait_for_objects(aws, prefix, 1))
    assert sorted(delivered.splitlines(keepends=True)) == sorted(lines)


def test_buffer_size_closes_objects_of_size_in_mbs(aws):
    stream, stream_arn = kinesis_stream(aws)
    prefix = f"{unique('sized')}/"
    delivery = delivery_from_kinesis(aws, stream_arn, s3_destination(prefix, size_mb=1, interval=900))
    # 2560 records of exactly 1 KiB: two full 1 MiB objects, 512 records left waiting (the shard
    # takes 1 MiB a second, so the put takes about 1.5 s and refused records land later).
    lines = [f"{i:06d}".encode() + b"x" * 1017 + b"\n" for i in range(2560)]

    put_lines(aws, stream, lines)

    full = wait_for_objects(aws, prefix, 2)
    assert [o["Size"] for o in full] == [1024 * 1024, 1024 * 1024]
    time.sleep(0.5)
    assert len(objects(aws, prefix)) == 2  # the rest waits for its 900 s interval
    written = firehose_delivery.flush(delivery)
    assert len(written) == 1
    parts = [body(aws, o["Key"]) for o in sorted(objects(aws, prefix), key=lambda o: o["Size"], reverse=True)]
    assert [len(part.splitlines()) for part in parts] == [1024, 1024, 512]
    assert sorted(b"".join(parts).splitlines(keepends=True)) == sorted(lines)  # each once


def test_buffer_interval_delivers_what_arrived_in_it(aws):
    stream, stream_arn = kinesis_stream(aws)
    prefix = f"{unique('interval')}/"
    delivery_from_kinesis(aws, stream_arn, s3_destination(prefix, size_mb=5, interval=1))
    first, second = json_lines(3, "first"), json_lines(4, "second")

    started = time.monotonic()
    put_lines(aws, stream, first)
    assert objects(aws, prefix) == []
    [one] = wait_for_objects(aws, prefix, 1)
    assert time.monotonic() - started >= 1.0
    put_lines(aws, stream, second)
    both = wait_for_objects(aws, prefix, 2)

    bodies = {body(aws, o["Key"]) for o in both}
    assert bodies == {b"".join(first), b"".join(second)}
    assert body(aws, one["Key"]) == b"".join(first)


def test_direct_puts_are_buffered_into_one_object(aws):
    firehose = aws.client("firehose")
    name = unique("direct")
    prefix = unique("direct-")  # no trailing slash: Firehose uses the prefix as written
    firehose.create_delivery_stream(
        DeliveryStreamName=name, ExtendedS3DestinationConfiguration=s3_destination(prefix, interval=1)
    )

    firehose.put_record_batch(DeliveryStreamName=name, Records=[{"Data": b"a,1\n"}, {"Data": b"b,2\n"}])
    firehose.put_record(DeliveryStreamName=name, Record={"Data": b"c,3\n"})

    [obj] = wait_for_objects(aws, prefix, 1)
    assert re.fullmatch(rf"{prefix}\d{{4}}/\d\d/\d\d/\d\d/{name}-1-.+", obj["Key"])
    assert body(aws, obj["Key"]) == b"a,1\nb,2\nc,3\n"


def test_gzip_with_a_custom_timestamp_prefix(aws):
    stream, stream_arn = kinesis_stream(aws)
    base = unique("custom")
    destination = s3_destination(
        f"{base}/year=!{{timestamp:yyyy}}/month=!{{timestamp:MM}}/", interval=0, CompressionFormat="GZIP"
    )
    delivery = delivery_from_kinesis(aws, stream_arn, destination)
    lines = json_lines(20, "gzip")

    before = datetime.now(UTC)
    put_lines(aws, stream, lines)

    [obj] = wait_for_objects(aws, f"{base}/", 1)
    months = {f"{base}/year={moment:%Y}/month={moment:%m}/{delivery}-1-" for moment in (before, datetime.now(UTC))}
    assert any(obj["Key"].startswith(prefix) for prefix in months), obj["Key"]
    assert obj["Key"].endswith(".gz")
    assert gzip.decompress(body(aws, obj["Key"])) == b"".join(lines)


def test_update_destination_applies_to_the_next_object(aws):
    firehose = aws.client("firehose")
    name = unique("updated")
    old, new = unique("old") + "/", unique("new") + "/"
    firehose.create_delivery_stream(
        DeliveryStreamName=name, ExtendedS3DestinationConfiguration=s3_destination(old, interval=0)
    )
    firehose.put_record(DeliveryStreamName=name, Record={"Data": b"before\n"})
    wait_for_objects(aws, old, 1)

    description = firehose.describe_delivery_stream(DeliveryStreamName=name)["DeliveryStreamDescription"]
    firehose.update_destination(
        DeliveryStreamName=name,
        CurrentDeliveryStreamVersionId=description["VersionId"],
        DestinationId=description["Destinations"][0]["DestinationId"],
        ExtendedS3DestinationUpdate={"Prefix": new},
    )
    firehose.put_record(DeliveryStreamName=name, Record={"Data": b"after\n"})

    [obj] = wait_for_objects(aws, new, 1)
    assert KEY.fullmatch(obj["Key"])["version"] == "2"
    assert body(aws, obj["Key"]) == b"after\n"


def test_what_cannot_be_delivered_locally_is_refused(aws):
    firehose = aws.client("firehose")
    with pytest.raises(ClientError, match="CompressionFormat Snappy"):
        firehose.create_delivery_stream(
            DeliveryStreamName=unique("snappy"),
            ExtendedS3DestinationConfiguration=s3_destination("x/", CompressionFormat="Snappy"),
        )
    missing = "arn:aws:kinesis:us-east-1:123456789012:stream/does-not-exist"
    with pytest.raises(ClientError, match="not found"):
        delivery_from_kinesis(aws, missing, s3_destination("x/"))

    _, stream_arn = kinesis_stream(aws)
    delivery = delivery_from_kinesis(aws, stream_arn, s3_destination("x/"))
    with pytest.raises(ClientError) as raised:
        firehose.put_record(DeliveryStreamName=delivery, Record={"Data": b"direct\n"})
    assert raised.value.response["Error"]["Code"] == "InvalidArgumentException"
