"""One real local stack (local AWS + the Airflow services on PostgreSQL and a Celery worker) for
every service test.

The stack runs in eu-west-1 while the in-process tests use us-east-1: every pipeline is run
end to end in a second region, as a user who sets PIPELINES_AWS_REGION runs it. Its settings
are the deployed ones (an Athena statement is watched 5 s in the worker before it is deferred);
test_deferral proves the triggerer's path with every statement deferred.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

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
        settings_env={
            "PIPELINES_AWS_REGION": SECOND_REGION,
            # A task whose worker died is failed (then retried) after 60 s without a heartbeat,
            # not Airflow's 300 (as on MWAA): test_runtime kills a worker.
            "AIRFLOW__SCHEDULER__TASK_INSTANCE_HEARTBEAT_TIMEOUT": "60",
            # A day's 3,660 sensor records in 19 pages, downloaded by 7 mapped tasks (3 pages
            # each): a real fan-out, not the in-process tests' 31 tasks a day (page size 40),
            # which made each download run on the stack 35 task executions of 4-5 s.
            "PIPELINES_VEHICLE_API_PAGE_SIZE": "200",
        },
        # What is proved here does not need the local AWS's state kept across restarts
        # (tests/local/aws/test_state.py proves that), and its writes answer sooner without.
        keep_state=False,
    ) as running:
        yield running
