"""Serve the local AWS: ``python -m local.aws [--port 4566] [--data-dir DIR] [--no-state]``."""

from __future__ import annotations

import argparse
import signal
import threading
from pathlib import Path

from local.aws.server import LocalAWS


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m local.aws", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=4566)
    parser.add_argument("--data-dir", type=Path, default=Path(".local/aws"))
    parser.add_argument(
        "--no-state", action="store_true", help="keep no state across restarts (answers writes without a snapshot)"
    )
    args = parser.parse_args(argv)

    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    with LocalAWS(port=args.port, host=args.host, data_dir=args.data_dir, keep_state=not args.no_state) as aws:
        print(f"local AWS ready at {aws.endpoint_url} (data in {aws.data_dir})", flush=True)
        stop.wait()
    print("local AWS stopped", flush=True)


if __name__ == "__main__":
    main()
