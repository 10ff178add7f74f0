"""Kinesis' moto adapter: PutRecord and PutRecords honour each shard's write limits, and
ListStreams pages as Kinesis does.

A record over its shard's limit is refused as Kinesis refuses it: PutRecords answers that entry
with ``ProvisionedThroughputExceededException`` (the others are written, ``FailedRecordCount``
counts the refused), PutRecord fails with that error. Request limits (500 records, 5 MiB, 1 MiB a
record) are moto's. ListStreams returns at most ``Limit`` streams (default and most: 100) with
their summaries and a ``NextToken`` when there are more (moto: 10, every stream's summary and no
token, so botocore's paginator stopped after the first page). Every other API is moto's.
"""

from __future__ import annotations

import binascii
from base64 import b64decode, urlsafe_b64encode
from typing import Any

from moto.core.exceptions import JsonRESTError
from moto.core.responses import ActionResult
from moto.kinesis.exceptions import RecordSizeExceedsLimit, TooManyRecords, TotalRecordsSizeExceedsLimit
from moto.kinesis.models import KinesisBackend, Stream
from moto.kinesis.responses import KinesisResponse

from local.aws.adapter import ServiceAdapter
from local.aws.context import ServiceContext
from local.aws.kinesis.shard_limits import ShardLimits
from local.aws.patching import Patches

MAX_RECORDS, MAX_REQUEST_BYTES, MAX_RECORD_BYTES = 500, 5 * 1024 * 1024, 1024 * 1024
STREAMS_PER_PAGE = 100  # ListStreams' default Limit and the most it returns


class ProvisionedThroughputExceeded(JsonRESTError):
    def __init__(self, message: str) -> None:
        super().__init__(error_type="ProvisionedThroughputExceededException", message=message)


def _rate_exceeded(backend: KinesisBackend, stream: Stream, shard_id: str) -> str:
    return f"Rate exceeded for shard {shard_id} in stream {stream.stream_name} under account {backend.account_id}."


def _admit(backend: KinesisBackend, stream: Stream, record: dict[str, Any]) -> tuple[str | None, int]:
    """The record's shard if its limits admit it now (else None), and the record's size."""
    partition_key = record.get("PartitionKey") or ""
    size = len(b64decode(record.get("Data") or "")) + len(partition_key.encode())
    shard = stream.get_shard_for_key(partition_key, record.get("ExplicitHashKey"))  # type: ignore[arg-type]
    if shard is None:
        return None, size
    return (shard.shard_id if ADAPTER.engine.take(stream.arn, shard.shard_id, size) else None), size


def _put_record(
    self: KinesisBackend, stream_arn: str, stream_name: str, partition_key: str, explicit_hash_key: str, data: str
) -> tuple[str, str]:
    stream = self.describe_stream(stream_arn=stream_arn, stream_name=stream_name)
    record = {"PartitionKey": partition_key, "ExplicitHashKey": explicit_hash_key, "Data": data}
    admitted, _ = _admit(self, stream, record)
    if admitted is None:
        shard = stream.get_shard_for_key(partition_key, explicit_hash_key)
        raise ProvisionedThroughputExceeded(_rate_exceeded(self, stream, shard.shard_id))
    return ADAPTER.original(KinesisBackend, "put_record")(
        self, stream_arn, stream_name, partition_key, explicit_hash_key, data
    )


def _put_records(self: KinesisBackend, stream_arn: str, stream_name: str, records: list[dict[str, Any]]) -> Any:
    stream = self.describe_stream(stream_arn=stream_arn, stream_name=stream_name)
    if len(records) > MAX_RECORDS:
        raise TooManyRecords
    sizes = [len(b64decode(r.get("Data") or "")) + len((r.get("PartitionKey") or "").encode()) for r in records]
    if sum(sizes) > MAX_REQUEST_BYTES:
        raise TotalRecordsSizeExceedsLimit
    for position, size in enumerate(sizes, start=1):
        if size > MAX_RECORD_BYTES:
            raise RecordSizeExceedsLimit(position=position)
    response: dict[str, Any] = {"FailedRecordCount": 0, "Records": []}
    written_bytes = written = 0
    for record in records:
        shard_id, size = _admit(self, stream, record)
        if shard_id is None:
            refused = stream.get_shard_for_key(record.get("PartitionKey"), record.get("ExplicitHashKey"))  # type: ignore[arg-type]
            response["FailedRecordCount"] += 1
            response["Records"].append(
                {
                    "ErrorCode": "ProvisionedThroughputExceededException",
                    "ErrorMessage": _rate_exceeded(self, stream, refused.shard_id),
                }
            )
            continue
        sequence_number, shard_id = stream.put_record(
            record.get("PartitionKey"),  # type: ignore[arg-type]
            record.get("ExplicitHashKey"),  # type: ignore[arg-type]
            record.get("Data"),  # type: ignore[arg-type]
        )
        response["Records"].append({"SequenceNumber": sequence_number, "ShardId": shard_id})
        written_bytes, written = written_bytes + size, written + 1
    self._send_stream_metrics(stream.stream_name, incoming_bytes=written_bytes, incoming_records=written)
    return response


class InvalidArgument(JsonRESTError):
    def __init__(self, message: str) -> None:
        super().__init__(error_type="InvalidArgumentException", message=message)


def _list_streams(self: KinesisResponse) -> ActionResult:
    streams = sorted(self.kinesis_backend.list_streams(), key=lambda stream: stream.stream_name)
    limit = min(int(self._get_param("Limit") or STREAMS_PER_PAGE), STREAMS_PER_PAGE)
    after = self._get_param("ExclusiveStartStreamName")
    token = self._get_param("NextToken")
    if token:
        try:
            after = b64decode(token.encode(), altchars=b"-_", validate=True).decode()
        except (binascii.Error, UnicodeDecodeError) as error:
            raise InvalidArgument(f"NextToken {token} is not valid") from error
    start = sum(1 for stream in streams if after and stream.stream_name <= after)
    page = streams[start : start + limit]
    result: dict[str, Any] = {
        "HasMoreStreams": start + limit < len(streams),
        "StreamNames": [stream.stream_name for stream in page],
        "StreamSummaries": [stream.to_json_summary()["StreamDescriptionSummary"] for stream in page],
    }
    if result["HasMoreStreams"]:
        result["NextToken"] = urlsafe_b64encode(page[-1].stream_name.encode()).decode()
    return ActionResult(result)


def _start(ctx: ServiceContext) -> ShardLimits:
    return ShardLimits()


ADAPTER = ServiceAdapter(
    "Kinesis",
    Patches(
        (KinesisBackend, "put_record", _put_record),
        (KinesisBackend, "put_records", _put_records),
        (KinesisResponse, "list_streams", _list_streams),
    ),
    start=_start,
    stop=lambda limits: None,
)
