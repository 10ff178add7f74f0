"""Where the files DAGs read at run time (SQL, Glue scripts, Lambda code) live.

The MWAA bundle ships them inside the dags folder (``dags/include``); in the repository they
sit beside it (``include/``). DAGs pass their own ``__file__`` and get the right one.
"""

from __future__ import annotations

from pathlib import Path


def include_dir(dag_file: str) -> Path:
    here = Path(dag_file).resolve().parent
    for candidate in (here / "include", here.parent / "include"):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"no include/ folder beside or above {here}")
