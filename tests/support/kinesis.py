"""Reading what a local Kinesis stream holds, every shard from its start."""

from __future__ import annotations

import json
from typing import Any


def read_stream(kinesis: Any, name: str) -> list[dict]:
    """Every record's JSON, shard by shard in sequence order."""
    found = []
    for shard in kinesis.list_shards(StreamName=name)["Shards"]:
        iterator = kinesis.get_shard_iterator(
            StreamName=name, ShardId=shard["ShardId"], ShardIteratorType="TRIM_HORIZON"
        )["ShardIterator"]
        while iterator:
            page = kinesis.get_records(ShardIterator=iterator, Limit=10_000)
            found += [json.loads(r["Data"]) for r in page["Records"]]
            iterator = page["NextShardIterator"] if page["Records"] else None
    return found
