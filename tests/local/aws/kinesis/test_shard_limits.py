"""A shard takes 1,000 records and 1 MiB a second: over that, Kinesis refuses entries with
ProvisionedThroughputExceededException and writes the rest."""

from __future__ import annotations

import uuid

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from local.aws.credentials import CREDENTIALS
from local.aws.kinesis.shard_limits import BYTES_PER_SECOND, RECORDS_PER_SECOND, ShardLimits


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_a_shard_admits_a_second_of_records_then_refills_at_its_rate():
    clock = Clock()
    limits = ShardLimits(clock)
    admitted = sum(limits.take("arn", "shard-0", 10) for _ in range(1_500))
    assert admitted == RECORDS_PER_SECOND
    assert limits.take("arn", "shard-1", 10)  # shards are independent
    clock.now += 0.25
    assert sum(limits.take("arn", "shard-0", 10) for _ in range(1_000)) == 250


def test_a_shard_admits_a_mebibyte_a_second():
    clock = Clock()
    limits = ShardLimits(clock)
    record = 100 * 1024
    assert sum(limits.take("arn", "shard-0", record) for _ in range(20)) == BYTES_PER_SECOND // record  # 10
    clock.now += 0.5
    assert sum(limits.take("arn", "shard-0", record) for _ in range(20)) == 5


def stream(local_aws, shards: int) -> str:
    kinesis = local_aws.client("kinesis")
    name = f"limits-{uuid.uuid4().hex[:8]}"
    kinesis.create_stream(StreamName=name, ShardCount=shards)
    return name


def read_all(kinesis, name: str) -> list[bytes]:
    data = []
    for shard in kinesis.list_shards(StreamName=name)["Shards"]:
        iterator = kinesis.get_shard_iterator(
            StreamName=name, ShardId=shard["ShardId"], ShardIteratorType="TRIM_HORIZON"
        )["ShardIterator"]
        data += [r["Data"] for r in kinesis.get_records(ShardIterator=iterator, Limit=10_000)["Records"]]
    return data


def test_put_records_over_a_shards_limit_refuses_those_entries_and_writes_the_rest(local_aws):
    kinesis = local_aws.client("kinesis")
    name = stream(local_aws, shards=1)
    # 500 records of 5 KB a request: 2.5 MB into a shard that takes 1 MiB a second, so the first
    # request is refused in part however slowly the machine answers it (small records were
    # refused only when the three requests came within one second).
    batches = [
        [{"Data": f"{b}-{i}-".encode().ljust(5_000, b"x"), "PartitionKey": str(i)} for i in range(500)]
        for b in range(3)
    ]
    answers = [kinesis.put_records(StreamName=name, Records=batch) for batch in batches]

    failed = sum(answer["FailedRecordCount"] for answer in answers)
    assert answers[0]["FailedRecordCount"] > 0
    # a full second's worth gets in: records of at most 5,003 bytes, data and partition key
    assert failed <= 1_500 - BYTES_PER_SECOND // 5_003
    refused = [e for answer in answers for e in answer["Records"] if "ErrorCode" in e]
    assert len(refused) == failed
    assert {e["ErrorCode"] for e in refused} == {"ProvisionedThroughputExceededException"}
    assert refused[0]["ErrorMessage"].startswith(f"Rate exceeded for shard shardId-000000000000 in stream {name}")
    written = {
        batch[i]["Data"]
        for batch, answer in zip(batches, answers, strict=True)
        for i, e in enumerate(answer["Records"])
        if "SequenceNumber" in e
    }
    assert sorted(read_all(kinesis, name)) == sorted(written)
    assert len(written) == 1_500 - failed


def test_put_record_over_the_limit_is_a_throttling_error(local_aws):
    # No retries: boto3 retries throttling by itself, and the refill would let a retry through.
    kinesis = boto3.client(
        "kinesis",
        endpoint_url=local_aws.endpoint_url,
        region_name=local_aws.region,
        config=Config(retries={"total_max_attempts": 1}),
        **CREDENTIALS,
    )
    name = stream(local_aws, shards=1)
    big = b"x" * (512 * 1024)
    kinesis.put_record(StreamName=name, Data=big, PartitionKey="a")
    with pytest.raises(ClientError) as refused:
        for _ in range(3):
            kinesis.put_record(StreamName=name, Data=big, PartitionKey="a")
    assert refused.value.response["Error"]["Code"] == "ProvisionedThroughputExceededException"
