"""The S3 destination of a delivery stream, read from moto's model, and what is not supported."""

from __future__ import annotations

import gzip
from dataclasses import dataclass
from datetime import UTC, tzinfo
from typing import Any
from zoneinfo import ZoneInfo

from moto.firehose.models import DeliveryStream

from local.aws.firehose.s3_layout import UnsupportedPrefix, validate_prefix

MIB = 1024 * 1024
# Firehose's defaults for S3 destinations.
DEFAULT_SIZE_MB = 5
DEFAULT_INTERVAL_SECONDS = 300
EXTENSIONS = {"UNCOMPRESSED": "", "GZIP": ".gz"}


@dataclass(frozen=True)
class S3Destination:
    bucket: str
    prefix: str
    size_limit_bytes: int
    interval_seconds: float
    compression: str
    extension: str
    zone: tzinfo

    def encode(self, data: bytes) -> bytes:
        return gzip.compress(data) if self.compression == "GZIP" else data


def s3_config(stream: DeliveryStream) -> dict[str, Any] | None:
    """The stream's S3 destination configuration (ExtendedS3 preferred), or None for other destinations."""
    destination = stream.destinations[0]
    return destination.get("ExtendedS3") or destination.get("S3")


def s3_destination(config: dict[str, Any]) -> S3Destination:
    hints = config.get("BufferingHints") or {}
    compression = config.get("CompressionFormat") or "UNCOMPRESSED"
    zone_name = config.get("CustomTimeZone") or "UTC"
    return S3Destination(
        bucket=config["BucketARN"].split(":::", 1)[-1],
        prefix=config.get("Prefix") or "",
        size_limit_bytes=int(hints.get("SizeInMBs", DEFAULT_SIZE_MB)) * MIB,
        interval_seconds=float(hints.get("IntervalInSeconds", DEFAULT_INTERVAL_SECONDS)),
        compression=compression,
        extension=config.get("FileExtension") or EXTENSIONS.get(compression, ""),
        zone=UTC if zone_name == "UTC" else ZoneInfo(zone_name),
    )


def unsupported(config: dict[str, Any]) -> list[str]:
    """Features of an S3 destination the local delivery would silently get wrong, so it refuses them."""
    problems = []
    compression = config.get("CompressionFormat") or "UNCOMPRESSED"
    if compression not in EXTENSIONS:
        problems.append(f"CompressionFormat {compression}")
    processing = config.get("ProcessingConfiguration") or {}
    if processing.get("Enabled", bool(processing.get("Processors"))):
        problems.append("ProcessingConfiguration (record transformation)")
    conversion = config.get("DataFormatConversionConfiguration") or {}
    if conversion and conversion.get("Enabled", True):  # AWS enables it when given
        problems.append("DataFormatConversionConfiguration")
    if (config.get("DynamicPartitioningConfiguration") or {}).get("Enabled"):
        problems.append("DynamicPartitioningConfiguration")
    try:
        validate_prefix(config.get("Prefix") or "")
    except UnsupportedPrefix as exc:
        problems.append(str(exc))
    return problems
