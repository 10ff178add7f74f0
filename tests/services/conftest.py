"""One real local stack (local AWS + the four Airflow services) for every service test.

The stack runs in eu-west-1 while the in-process tests use us-east-1: every pipeline is run
end to end in a second region, as a user who sets PIPELINES_AWS_REGION runs it.
"""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Iterator

import pytest

from local.airflow_env import LOCAL_USER
from local.stack import DevStack, free_port
from tests.support.regions import SECOND_REGION


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DevStack]:
    home = tmp_path_factory.mktemp("stack")
    with DevStack(
        home,
        aws_port=free_port(),
        api_port=free_port(),
        vehicle_api_port=free_port(),
        # Every Athena statement deferred at once, however short: the triggerer's path is the one
        # tested through the services (the watch in the worker: tests/pipelines/test_athena_statement.py).
        settings_env={"PIPELINES_AWS_REGION": SECOND_REGION, "PIPELINES_DEFER_AFTER_SECONDS": "0"},
    ) as running:
        yield running


@pytest.fixture(scope="session")
def api_token(stack: DevStack) -> str:
    user, password = LOCAL_USER
    request = urllib.request.Request(
        f"{stack.ui_url}/auth/token",
        data=json.dumps({"username": user, "password": password}).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.load(response)["access_token"]
