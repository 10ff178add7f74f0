"""What every service adapter receives when the local AWS starts (``local.aws.services``)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from local.aws.pace import PROFILES, Pace
from local.aws.s3.files import S3Files


@dataclass(frozen=True)
class ServiceContext:
    """The endpoint being extended, the folder the engines keep files in, S3 as files, and the
    pace the engines keep (``local.aws.pace``).

    No region: one endpoint serves every region, and each adapter acts in the region of the
    request it serves (the backend's ``region_name``), as AWS does.
    """

    endpoint_url: str
    data_dir: Path
    s3: S3Files
    pace: Pace = PROFILES["instant"]
