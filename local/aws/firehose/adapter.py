"""Firehose's moto adapter: delivery streams with an S3 destination really deliver, with buffering.

Kinesis-sourced streams read their Kinesis stream; DirectPut streams buffer PutRecord(Batch)
instead of moto's one object per call. Other destinations and APIs stay as moto serves them.
"""

from __future__ import annotations

import base64
import inspect
import uuid
from typing import Any

from moto.firehose.exceptions import InvalidArgumentException
from moto.firehose.models import FirehoseBackend
from moto.kinesis.exceptions import ResourceNotFoundError as KinesisNotFound
from moto.kinesis.models import kinesis_backends

from local.aws.adapter import ServiceAdapter
from local.aws.context import ServiceContext
from local.aws.firehose.delivery import DeliveryService
from local.aws.firehose.destination import unsupported
from local.aws.firehose.kinesis_source import parse_stream_arn
from local.aws.patching import Patches


def flush(delivery_stream_name: str | None = None) -> list[str]:
    """Deliver what is buffered now, whatever the buffering hints say; return the S3 keys written."""
    return ADAPTER.engine.flush(delivery_stream_name)


def _check_create(
    delivery_stream_type: str | None, kinesis_source: dict[str, Any] | None, s3_configs: list[dict[str, Any] | None]
) -> None:
    for config in filter(None, s3_configs):
        problems = unsupported(config)
        if problems:
            raise InvalidArgumentException(f"local Firehose does not support: {'; '.join(problems)}")
    if delivery_stream_type != "KinesisStreamAsSource":
        return
    arn = (kinesis_source or {}).get("KinesisStreamARN")
    if not arn:
        raise InvalidArgumentException("KinesisStreamSourceConfiguration is required for KinesisStreamAsSource")
    try:
        account, region, name = parse_stream_arn(arn)
        kinesis_backends[account][region].describe_stream(stream_arn=arn, stream_name=None)
    except (ValueError, KinesisNotFound) as exc:
        raise InvalidArgumentException(f"Kinesis stream {arn} not found") from exc


def _create_delivery_stream(self: FirehoseBackend, *args: Any, **kwargs: Any) -> str:
    original = ADAPTER.original(FirehoseBackend, "create_delivery_stream")
    bound = inspect.signature(original).bind(self, *args, **kwargs).arguments
    _check_create(
        bound.get("delivery_stream_type"),
        bound.get("kinesis_stream_source_configuration"),
        [bound.get("s3_destination_configuration"), bound.get("extended_s3_destination_configuration")],
    )
    arn = original(self, *args, **kwargs)
    ADAPTER.engine.register(self, self.delivery_streams[bound["delivery_stream_name"]])
    return arn


def _put_record_batch(self: FirehoseBackend, delivery_stream_name: str, records: list[dict[str, Any]]) -> Any:
    stream = self.delivery_streams.get(delivery_stream_name)
    if stream is not None and stream.delivery_stream_type == "KinesisStreamAsSource":
        raise InvalidArgumentException("This operation is not permitted on KinesisStreamAsSource delivery stream type.")
    if stream is None or not ADAPTER.engine.accept(self, stream, [_data(r) for r in records]):
        return ADAPTER.original(FirehoseBackend, "put_record_batch")(self, delivery_stream_name, records)
    return {
        "FailedPutCount": 0,
        "Encrypted": False,
        "RequestResponses": [{"RecordId": uuid.uuid4().hex} for _ in records],
    }


def _data(record: dict[str, Any]) -> bytes:
    data = record["Data"]
    return base64.b64decode(data) if isinstance(data, str) else bytes(data)


def _start(ctx: ServiceContext) -> DeliveryService:
    service = DeliveryService(ctx.s3)
    service.start()
    return service


ADAPTER = ServiceAdapter(
    "Firehose",
    Patches(
        (FirehoseBackend, "create_delivery_stream", _create_delivery_stream),
        (FirehoseBackend, "put_record_batch", _put_record_batch),
    ),
    start=_start,
    stop=DeliveryService.stop,
)
