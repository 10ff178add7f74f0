"""AWS list prices of the work a pipeline run orders, and what a run's use of it costs.

The table is written by hand from AWS's pricing pages (``SOURCES``), on ``AS_OF``; a price
change is an edit here. Regions without a row have no cost in the run ledger (NULL), never a
guessed one. Units as AWS bills them: Athena's TB and MB are binary (2^40, 2^20 bytes).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

AS_OF = "2026-12-06"
SOURCES = {
    "athena": "https://aws.amazon.com/athena/pricing/",
    "glue": "https://aws.amazon.com/glue/pricing/",
    "lambda": "https://aws.amazon.com/lambda/pricing/",
}

MIB, TIB = 2**20, 2**40
ATHENA_MINIMUM_BYTES = 10 * MIB  # per charged query, after rounding up to the next MB
GLUE_MINIMUM_SECONDS = 60  # per Spark job run since Glue 2.0 (0.9 and 1.0: 10 minutes)
GLUE_LEGACY_MINIMUM_SECONDS = 600
GLUE_LEGACY_VERSIONS = ("0.9", "1.0")


@dataclass(frozen=True)
class Prices:
    athena_per_tb: float  # SQL queries, per TB scanned
    glue_per_dpu_hour: float  # Spark jobs, billed per second
    lambda_per_gb_second: float  # x86 functions
    lambda_per_million_requests: float


# The four regions at the same list prices; add a region with its own figures.
_STANDARD = Prices(athena_per_tb=5.00, glue_per_dpu_hour=0.44, lambda_per_gb_second=0.0000166667,
                   lambda_per_million_requests=0.20)  # fmt: skip
PRICES: dict[str, Prices] = {region: _STANDARD for region in ("us-east-1", "us-east-2", "us-west-2", "eu-west-1")}


def athena_billed_bytes(scanned: int, statement_type: str, state: str) -> int:
    """What Athena bills for one query: DML that succeeded or was cancelled, its bytes rounded up
    to the next MB, at least 10 MB. DDL and utility statements and failed queries cost nothing."""
    if statement_type != "DML" or state not in ("SUCCEEDED", "CANCELLED"):
        return 0
    return max(math.ceil(scanned / MIB) * MIB, ATHENA_MINIMUM_BYTES)


def athena_cost(billed_bytes: int, prices: Prices) -> float:
    return billed_bytes / TIB * prices.athena_per_tb


def glue_billed_dpu_seconds(execution_seconds: float, dpu: float, glue_version: str) -> float:
    """DPU-seconds Glue bills for one Spark job run: its time, at least the version's minimum."""
    minimum = GLUE_LEGACY_MINIMUM_SECONDS if glue_version in GLUE_LEGACY_VERSIONS else GLUE_MINIMUM_SECONDS
    return max(execution_seconds, minimum) * dpu


def glue_cost(billed_dpu_seconds: float, prices: Prices) -> float:
    return billed_dpu_seconds / 3600 * prices.glue_per_dpu_hour


def lambda_gb_seconds(billed_ms: int, memory_mb: int) -> float:
    """One invocation's billed duration (1 ms steps) times its memory in GB."""
    return billed_ms / 1000 * memory_mb / 1024


def lambda_cost(gb_seconds: float, requests: int, prices: Prices) -> float:
    return gb_seconds * prices.lambda_per_gb_second + requests / 1e6 * prices.lambda_per_million_requests
