"""IAM's tests keep Airflow's connection as every stack has it: the MWAA execution role."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def account_connection() -> None:
    """Overrides tests/local/aws/conftest.py's: no switch to the account's key here."""
