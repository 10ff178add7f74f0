"""Kinesis Data Streams with a shard's write limits, as AWS enforces them."""
