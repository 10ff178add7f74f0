"""Package pins as the project's constraint and requirement files write them."""

from __future__ import annotations

import re
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
CONSTRAINTS = REPO / "constraints" / "airflow-3.3.1-py3.12.txt"
MWAA_IMAGE = REPO / "constraints" / "mwaa-3.3.1-image-packages.txt"


def normalized(name: str) -> str:
    """A distribution name as PEP 503 compares them."""
    return re.sub(r"[-_.]+", "-", name).lower()


def pins(path: Path) -> dict[str, str]:
    """``name==version`` lines of a constraints file: {normalized name: version}."""
    found = {}
    for line in path.read_text().splitlines():
        if "==" in line and not line.startswith("#"):
            name, version = line.split("==", 1)
            found[normalized(name.strip())] = version.strip()
    return found


def requirements(path: Path) -> list[str]:
    """The requirement names of a requirements file (options, comments and extras left out)."""
    names = []
    for line in path.read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line and not line.startswith("-"):
            names.append(normalized(re.split(r"[\[=<>!~;\s]", line, maxsplit=1)[0]))
    return names
