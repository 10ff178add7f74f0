"""The test tiers' markers, enforced: a test that starts a JVM must be marked ``spark``, one
that starts Airflow's services (the stack's or compose's) ``services``, or the start is refused
and the test fails naming the marker. ``make test-fast`` leaves both tiers out, so a test that
forgot its marker would slow the edit loop down unseen.

Seen through Python's audit hook on ``subprocess.Popen`` in the test process: the processes
that a started stack's own children start (a Glue job run inside the stack's local AWS) are not,
and their tests carry the markers by hand."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from local.aws.glue_jobs.runs import LAUNCHER
from local.stack import SERVICES

_current: set[str] | None = None  # the running test's markers; None outside a test


def tier_of(argv: Sequence[Any]) -> str | None:
    """The marker a process needs: ``spark`` for a JVM (a Glue job run, Spark's launcher, javac,
    java), ``services`` for an Airflow service; None for anything else."""
    words = [str(part) for part in argv]
    names = {Path(word).name for word in words}
    if str(LAUNCHER) in words or names & {"spark-submit", "javac", "java"}:
        return "spark"
    tokens = {Path(token).name for token in " ".join(words).split()}  # a shell command's words too
    if "airflow" in tokens and tokens & set(SERVICES):
        return "services"
    return None


def _audit(event: str, args: tuple[Any, ...]) -> None:
    if event != "subprocess.Popen" or _current is None:
        return
    argv = args[1] if isinstance(args[1], (list, tuple)) else [args[1]]
    needed = tier_of(argv)
    if needed and needed not in _current:
        raise RuntimeError(f"this test starts {' '.join(map(str, argv))[:200]}: mark it {needed!r} (tests/README.md)")


def install() -> None:
    sys.addaudithook(_audit)


def entering(markers: set[str] | None) -> None:
    """The test now running (its markers), or None between tests."""
    global _current
    _current = markers
