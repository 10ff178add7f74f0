"""Test environment: an isolated Airflow home and an in-process local AWS.

Airflow reads its configuration when first imported, so the environment is set here, before
any test module imports it.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

import moto
import pytest

from local.aws.credentials import ENVIRONMENT

REPO = Path(__file__).resolve().parents[1]
_HOME = Path(tempfile.mkdtemp(prefix="airflow-test-home-"))
os.environ.update(
    {
        "AIRFLOW_HOME": str(_HOME),
        "AIRFLOW__CORE__DAGS_FOLDER": str(REPO / "dags"),
        "AIRFLOW__CORE__PLUGINS_FOLDER": str(REPO / "plugins"),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        # What the Makefile exports: processes the tests start import the project as `make` does.
        "PYTHONPATH": f"{REPO}:{REPO / 'plugins'}",
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{_HOME}/airflow.db",
        "AIRFLOW__LOGGING__LOGGING_LEVEL": "INFO",
        # Tests must never reach real AWS, whatever the developer's shell holds.
        **ENVIRONMENT,
        "AWS_DEFAULT_REGION": "us-east-1",
        # Small pages planned at 50 s each (3 to an invocation of the 300 s downloader), so a test
        # day of a few hundred records really fans out, in batches.
        "PIPELINES_VEHICLE_API_PAGE_SIZE": "40",
        "PIPELINES_VEHICLE_API_PAGE_SECONDS": "50",
        # Retries stay (the DAGs are tested as deployed) but do not wait 30 s each.
        "PIPELINES_RETRY_DELAY_SECONDS": "1",
        "PIPELINES_POLL_SECONDS": "1",
    }
)
for leaked in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_ENDPOINT_URL"):
    os.environ.pop(leaked, None)

from local.airflow_env import aws_connection  # noqa: E402
from local.aws import LocalAWS  # noqa: E402
from local.provision import provision  # noqa: E402
from pipelines.settings import SETTINGS  # noqa: E402
from tests.support import scheduling, tiers  # noqa: E402

tiers.install()


def _refused_mock_aws(*args: object, **kwargs: object) -> None:
    raise RuntimeError(
        "moto's mock_aws resets every backend of the process, the session's local AWS included "
        "(every later test of the worker then fails): use the local_aws fixture and names of the test's own"
    )


moto.mock_aws = _refused_mock_aws


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # Under pytest-xdist (`make test`), every services test runs in one worker (one stack): the
    # scheduler knows them by module (tests/support/scheduling.py), so marker and module agree.
    wrong = [
        item.nodeid for item in items
        if bool(item.get_closest_marker("services")) != scheduling.in_services_tier(item.nodeid)
    ]  # fmt: skip
    if wrong:
        raise pytest.UsageError(f"services tests live in {scheduling.SERVICE_MODULES} and only they: {wrong[:3]}")


def pytest_xdist_make_scheduler(config: pytest.Config, log: object) -> object:
    return scheduling.ServicesFirst(config, log)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_protocol(item: pytest.Item, nextitem: pytest.Item | None) -> object:
    # Setup, call and teardown: a session fixture started by a test counts as that test's.
    tiers.entering({mark.name for mark in item.iter_markers()})
    try:
        return (yield)
    finally:
        tiers.entering(None)


@pytest.fixture(scope="session")
def local_aws() -> Iterator[LocalAWS]:
    """The local AWS in this process, provisioned, with ``aws_default`` pointing at it."""
    with LocalAWS(port=0) as aws:
        provision(aws.endpoint_url, SETTINGS)
        os.environ[f"AIRFLOW_CONN_{SETTINGS.aws_conn_id.upper()}"] = aws_connection(aws.endpoint_url, SETTINGS)
        yield aws


@pytest.fixture(scope="session")
def airflow_db() -> None:
    from airflow.utils import db

    db.initdb()


@pytest.fixture(scope="session")
def dagbag(airflow_db: None):
    from airflow.dag_processing.dagbag import DagBag

    return DagBag(str(REPO / "dags"))
