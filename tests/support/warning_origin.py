"""Whose warning is it: the project's (to fix) or Airflow's own internals (to list)."""

from __future__ import annotations

import re
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
PROJECT_DIRS = tuple(str(REPO / d) + "/" for d in ("dags", "plugins", "include", "local", "deploy"))
# What DagBag.captured_warnings holds per file: "<path>:<line>: <module.Category>: <message>".
CAPTURED = re.compile(r"^(?P<path>.+?):(?P<line>\d+): (?P<category>[\w.]+): (?P<message>.*)$", re.S)


def is_ours(category: type[Warning] | str, filename: str) -> bool:
    """Any warning raised from a project file, or a provider deprecation (a provider class we chose)."""
    if str(filename).startswith(PROJECT_DIRS):
        return True
    names = [c.__name__ for c in category.__mro__] if isinstance(category, type) else [category.rsplit(".", 1)[-1]]
    return "AirflowProviderDeprecationWarning" in names


def ours_in_captured(captured: dict[str, tuple[str, ...]]) -> list[str]:
    """The project's warnings among a DagBag's captured parse-time warnings."""
    found = []
    for lines in captured.values():
        for line in lines:
            match = CAPTURED.match(line)
            if match and is_ours(match["category"], match["path"]):
                found.append(line)
    return found
