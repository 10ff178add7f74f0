"""The cost arithmetic against hand-worked examples, minimums included (AWS's pricing pages)."""

from __future__ import annotations

import pytest

from pipelines.list_prices import (
    MIB,
    PRICES,
    TIB,
    athena_billed_bytes,
    athena_cost,
    glue_billed_dpu_seconds,
    glue_cost,
    lambda_cost,
    lambda_gb_seconds,
)

US = PRICES["us-east-1"]


def test_athena_bills_dml_by_the_megabyte_with_a_10_mb_minimum():
    assert athena_billed_bytes(1, "DML", "SUCCEEDED") == 10 * MIB
    assert athena_billed_bytes(25 * MIB + 300_000, "DML", "SUCCEEDED") == 26 * MIB  # 25.29 MB -> 26 MB
    assert athena_billed_bytes(3, "DML", "CANCELLED") == 10 * MIB  # cancelled: billed what it scanned
    assert athena_cost(TIB, US) == 5.00
    # 10 MB at $5 per TB: 5 * 10 / 1,048,576
    assert athena_cost(athena_billed_bytes(0, "DML", "SUCCEEDED"), US) == pytest.approx(0.0000476837158203125)


def test_ddl_utility_and_failed_queries_cost_nothing():
    assert athena_billed_bytes(50 * MIB, "DDL", "SUCCEEDED") == 0
    assert athena_billed_bytes(50 * MIB, "UTILITY", "SUCCEEDED") == 0
    assert athena_billed_bytes(50 * MIB, "DML", "FAILED") == 0


def test_glue_bills_per_second_with_a_one_minute_minimum_since_glue_2():
    assert glue_billed_dpu_seconds(42, 2, "5.0") == 120  # 2 G.1X workers, 42 s -> 60 s billed
    assert glue_billed_dpu_seconds(300, 2, "5.0") == 600
    assert glue_billed_dpu_seconds(180, 2, "1.0") == 1200  # Glue 1.0: 10 minutes at least
    assert glue_cost(120, US) == pytest.approx(0.44 * 120 / 3600)  # $0.0146667
    assert glue_cost(600, US) == pytest.approx(0.0733333, abs=1e-7)


def test_lambda_bills_gb_seconds_and_requests():
    gb_seconds = lambda_gb_seconds(1234, 128)  # 1.234 s x 0.125 GB
    assert gb_seconds == pytest.approx(0.15425)
    assert lambda_cost(gb_seconds, 1, US) == pytest.approx(0.15425 * 0.0000166667 + 0.2e-6)


def test_every_priced_region_has_every_figure():
    assert set(PRICES) >= {"us-east-1", "eu-west-1"}
    for prices in PRICES.values():
        assert min(vars(prices).values()) > 0
