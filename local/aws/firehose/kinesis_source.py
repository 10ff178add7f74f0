"""Reading a Kinesis data stream as Firehose does: shard iterators through moto's kinesis backend.

Firehose starts at LATEST for the shards that exist when the delivery stream is created; shards
that appear later (resharding) are read from TRIM_HORIZON.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from moto.kinesis.exceptions import ResourceNotFoundError
from moto.kinesis.models import KinesisBackend, Stream, kinesis_backends

from local.aws.firehose.buffer import BufferedRecord

log = logging.getLogger(__name__)

READ_LIMIT = 10_000  # records per GetRecords call, as Kinesis allows


def parse_stream_arn(arn: str) -> tuple[str, str, str]:
    """``arn:aws:kinesis:REGION:ACCOUNT:stream/NAME`` -> (account, region, name)."""
    parts = arn.split(":", 5)
    if len(parts) != 6 or parts[2] != "kinesis" or not parts[5].startswith("stream/"):
        raise ValueError(f"not a Kinesis stream ARN: {arn!r}")
    return parts[4], parts[3], parts[5].removeprefix("stream/")


class KinesisSource:
    def __init__(self, stream_arn: str) -> None:
        self.stream_arn = stream_arn
        account, region, self.stream_name = parse_stream_arn(stream_arn)
        self._account, self._region = account, region
        stream = self._stream()  # raises if the stream does not exist
        self._iterators = {shard_id: self._iterator(shard_id, "LATEST") for shard_id in stream.shards}

    @property
    def backend(self) -> KinesisBackend:
        return kinesis_backends[self._account][self._region]

    def _stream(self) -> Stream:
        return self.backend.describe_stream(stream_arn=self.stream_arn, stream_name=None)

    def _iterator(self, shard_id: str, kind: str) -> str:
        return self.backend.get_shard_iterator(None, self.stream_name, shard_id, kind, 0, None)  # type: ignore[arg-type]

    def poll(self) -> list[BufferedRecord]:
        """Records that arrived since the last poll, shard by shard in sequence order."""
        try:
            shard_ids = list(self._stream().shards)
        except ResourceNotFoundError:  # the source stream was deleted
            return []
        found: list[BufferedRecord] = []
        for shard_id in shard_ids:
            iterator = self._iterators.get(shard_id) or self._iterator(shard_id, "TRIM_HORIZON")
            try:
                next_iterator, records, _ = self.backend.get_records(self.stream_arn, iterator, READ_LIMIT)
            except ResourceNotFoundError:
                continue
            except RuntimeError:
                # A producer appended to the shard while moto iterated it: read again next time.
                log.debug("shard %s changed while being read; retrying", shard_id)
                continue
            self._iterators[shard_id] = next_iterator
            found += [BufferedRecord(r.to_json()["Data"], _utc(r.created_at_datetime)) for r in records]
        return found


def _utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
