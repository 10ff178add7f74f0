"""Run every benchmark: ``python -m bench`` (``make bench``), or one: ``python -m bench.<name>``."""

from __future__ import annotations

import pkgutil
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main() -> None:
    failed = []
    for module in sorted(m.name for m in pkgutil.iter_modules([str(HERE)]) if m.name != "__main__"):
        print(f"\n## bench.{module}\n", flush=True)
        if subprocess.run([sys.executable, "-m", f"bench.{module}"], cwd=HERE.parent).returncode != 0:
            failed.append(module)
    if failed:
        sys.exit(f"benchmarks failed: {', '.join(failed)}")


if __name__ == "__main__":
    main()
