"""Clients of another region than the in-process tests' us-east-1, against the same local AWS."""

from __future__ import annotations

from typing import Any

from local.aws.credentials import local_client

SECOND_REGION = "eu-west-1"


class Regional:
    """Clients of one region against the shared endpoint, shaped like ``LocalAWS.client``."""

    def __init__(self, endpoint_url: str, region: str) -> None:
        self.endpoint_url, self.region = endpoint_url, region

    def client(self, service: str) -> Any:
        return local_client(service, self.endpoint_url, self.region)
