"""No warning from the project: every DAG test (parsing, and every pipeline run end to end with
``dag.test()``, module fixtures included) fails on a warning raised from the project's own
files, or on a deprecation of a provider class it chose to use.

Parse-time warnings are checked in test_dag_integrity: DagBag captures them per file. The
project's pytest configuration ignores DeprecationWarning (Airflow's internals raise many),
which would also hide ours: here every warning is recorded instead, and judged by its origin.
Warnings Airflow and the providers raise about their own internals are not the project's to
fix; they are written to ``.local/test-artifacts/foreign-warnings.txt`` for the record.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator

import pytest

from tests.support.warning_origin import REPO, is_ours

FOREIGN_LOG = REPO / ".local" / "test-artifacts" / "foreign-warnings.txt"
_foreign: set[str] = set()


def describe(message: warnings.WarningMessage) -> str:
    return f"{message.category.__name__} at {message.filename}:{message.lineno}: {message.message}"


def _judge(recorded: list[warnings.WarningMessage]) -> list[str]:
    ours = []
    for message in recorded:
        if is_ours(message.category, message.filename):
            ours.append(describe(message))
        else:
            _foreign.add(describe(message).replace(str(REPO), "."))
    return ours


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_setup(item: pytest.Item) -> Iterator[None]:
    yield from _watch()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Iterator[None]:
    yield from _watch()


def _watch() -> Iterator[None]:
    with warnings.catch_warnings(record=True) as recorded:
        warnings.simplefilter("always")
        outcome = yield
    ours = _judge(recorded)
    if ours and outcome.excinfo is None:
        outcome.force_exception(AssertionError("warnings from the project:\n" + "\n".join(ours)))


def pytest_sessionfinish(session: pytest.Session) -> None:
    if _foreign:
        FOREIGN_LOG.parent.mkdir(parents=True, exist_ok=True)
        FOREIGN_LOG.write_text("\n".join(sorted(_foreign)) + "\n")
