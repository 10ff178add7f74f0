"""The Glue Data Catalog as the local engines reach it: moto's Glue backend, in this process.

On AWS, Athena's DDL and a crawler's writes reach the catalog inside the service. Locally both
call the backend of the request's account and region directly: one way in, no HTTP round trip
from the endpoint to itself.
"""

from __future__ import annotations

from moto.glue.models import GlueBackend, glue_backends


def glue_catalog(account_id: str, region: str) -> GlueBackend:
    return glue_backends[account_id][region]
