"""Delivery of buffered Firehose records into S3, on one background thread.

Each delivery stream with an S3 destination gets a buffer. Direct puts (PutRecord/Batch) go
into it at once; Kinesis-sourced streams are polled every tick. An object is written when the
buffer holds SizeInMBs or its oldest record has waited IntervalInSeconds, with records
concatenated as they arrived (Firehose adds no separator). The destination configuration is
read at every delivery, so UpdateDestination applies to the next object.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime

from moto.firehose.models import DeliveryStream, FirehoseBackend

from local.aws.firehose.buffer import BufferedRecord, RecordBuffer
from local.aws.firehose.destination import s3_config, s3_destination
from local.aws.firehose.kinesis_source import KinesisSource
from local.aws.firehose.s3_layout import object_key
from local.aws.s3.files import S3Files

log = logging.getLogger(__name__)

TICK_SECONDS = 0.1
RETRY_SECONDS = 1.0


@dataclass
class StreamState:
    backend: FirehoseBackend
    stream: DeliveryStream
    source: KinesisSource | None
    buffer: RecordBuffer = field(default_factory=RecordBuffer)
    retry_at: float = 0.0
    delivering: threading.Lock = field(default_factory=threading.Lock)

    @property
    def alive(self) -> bool:
        return self.backend.delivery_streams.get(self.stream.delivery_stream_name) is self.stream


class DeliveryService:
    def __init__(self, s3: S3Files) -> None:
        self.s3 = s3
        self._states: dict[str, StreamState] = {}
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="firehose-delivery", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        self._thread.join(timeout=10)

    def register(self, backend: FirehoseBackend, stream: DeliveryStream) -> None:
        """Track a new delivery stream; a Kinesis source starts reading at LATEST now."""
        if s3_config(stream) is None:
            return  # other destinations keep moto's behaviour
        source = None
        if stream.delivery_stream_type == "KinesisStreamAsSource":
            source = KinesisSource(stream.source["KinesisStreamARN"])
        with self._lock:
            self._states[stream.delivery_stream_arn] = StreamState(backend, stream, source)

    def accept(self, backend: FirehoseBackend, stream: DeliveryStream, records: list[bytes]) -> bool:
        """Buffer directly put records; False when the stream is not delivered by this service."""
        state = self._state_for(backend, stream)
        if state is None:
            return False
        arrival = datetime.now(UTC)
        state.buffer.add([BufferedRecord(data, arrival) for data in records])
        self._wake.set()
        return True

    def flush(self, name: str | None = None) -> list[str]:
        """Deliver everything buffered now (of one stream or all); return the keys written."""
        keys = []
        for state in self._live_states():
            if name is None or state.stream.delivery_stream_name == name:
                keys += self._deliver(state, everything=True)
        return keys

    def _state_for(self, backend: FirehoseBackend, stream: DeliveryStream) -> StreamState | None:
        with self._lock:
            state = self._states.get(stream.delivery_stream_arn)
        if state is not None and state.stream is stream:
            return state
        if s3_config(stream) is None or stream.delivery_stream_type == "KinesisStreamAsSource":
            return None
        # A DirectPut stream created before this engine was installed.
        self.register(backend, stream)
        with self._lock:
            return self._states.get(stream.delivery_stream_arn)

    def _live_states(self) -> list[StreamState]:
        with self._lock:
            for arn, state in list(self._states.items()):
                if not state.alive:  # deleted: buffered records go with it, as in AWS
                    del self._states[arn]
            return list(self._states.values())

    def _loop(self) -> None:
        while not self._stop.is_set():
            self._wake.wait(TICK_SECONDS)
            self._wake.clear()
            for state in self._live_states():
                try:
                    self._deliver(state, everything=False)
                except Exception:
                    log.exception("Firehose delivery of %s failed", state.stream.delivery_stream_name)

    def _deliver(self, state: StreamState, everything: bool) -> list[str]:
        config = s3_config(state.stream)
        if config is None:
            return []
        destination = s3_destination(config)
        keys: list[str] = []
        # One poller and one writer per stream at a time: a shard iterator must not be read twice.
        with state.delivering:
            if state.source is not None:
                state.buffer.add(state.source.poll())
            if not everything and time.monotonic() < state.retry_at:
                return keys
            take_all = everything or state.buffer.interval_elapsed(destination.interval_seconds)
            while batch := state.buffer.take(destination.size_limit_bytes, everything=take_all):
                key = object_key(
                    destination.prefix,
                    state.stream.delivery_stream_name,
                    state.stream.version_id,
                    min(record.arrival for record in batch),
                    destination.zone,
                    destination.extension,
                )
                try:
                    self.s3.put_bytes(destination.bucket, key, destination.encode(b"".join(r.data for r in batch)))
                except Exception as exc:
                    # Firehose keeps retrying; so do we, without losing or reordering records.
                    state.buffer.put_back(batch)
                    state.retry_at = time.monotonic() + RETRY_SECONDS
                    log.warning(
                        "Firehose %s cannot write s3://%s/%s: %s",
                        state.stream.delivery_stream_name,
                        destination.bucket,
                        key,
                        exc,
                    )
                    break
                keys.append(key)
        return keys
