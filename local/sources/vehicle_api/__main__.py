"""``python -m local.sources.vehicle_api --port N``: serve the sample vehicle API until SIGTERM/Ctrl-C."""

from __future__ import annotations

import argparse
import json
import signal
import threading

from local.sources.vehicle_api.config import ApiConfig, Fault
from local.sources.vehicle_api.data import DEFAULT_SEED, DEFAULT_VOLUME, Volume
from local.sources.vehicle_api.server import SampleVehicleApi


def _span(text: str) -> tuple[int, int]:
    """``"80-120"`` -> (80, 120); ``"100"`` -> (100, 100)."""
    low, _, high = text.partition("-")
    return int(low), int(high or low)


def parse_args(argv: list[str] | None = None) -> tuple[argparse.Namespace, ApiConfig]:
    parser = argparse.ArgumentParser(prog="python -m local.sources.vehicle_api", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8400, help="0 picks a free port")
    parser.add_argument("--client-id", default=ApiConfig.client_id)
    parser.add_argument("--client-secret", default=ApiConfig.client_secret)
    parser.add_argument("--seed", default=DEFAULT_SEED)
    parser.add_argument("--vehicles-per-day", type=_span, default=DEFAULT_VOLUME.vehicles_per_day, metavar="LOW-HIGH")
    parser.add_argument(
        "--readings-per-vehicle", type=_span, default=DEFAULT_VOLUME.readings_per_vehicle, metavar="LOW-HIGH"
    )
    parser.add_argument("--active-days", type=int, default=DEFAULT_VOLUME.active_days)
    parser.add_argument("--null-ratio", type=float, default=DEFAULT_VOLUME.null_ratio)
    parser.add_argument("--token-ttl", type=float, default=ApiConfig.token_ttl, help="token lifetime, seconds")
    parser.add_argument("--rate-limit", type=float, default=None, help="requests per second (default: unlimited)")
    parser.add_argument("--burst", type=int, default=None, help="token-bucket size (default: one second's worth)")
    parser.add_argument("--revoke-tokens-every", type=int, default=None, metavar="K")
    parser.add_argument(
        "--fault",
        action="append",
        default=[],
        type=lambda text: Fault.from_dict(json.loads(text)),
        help='injected fault as JSON, repeatable, e.g. \'{"kind": "error", "endpoint": "vehicles", "page": 2, "times": 1}\'',
    )
    args = parser.parse_args(argv)
    config = ApiConfig(
        client_id=args.client_id,
        client_secret=args.client_secret,
        seed=args.seed,
        volume=Volume(args.vehicles_per_day, args.readings_per_vehicle, args.active_days, args.null_ratio),
        token_ttl=args.token_ttl,
        rate_limit=args.rate_limit,
        burst=args.burst,
        revoke_tokens_every=args.revoke_tokens_every,
        faults=tuple(args.fault),
    )
    return args, config


def main(argv: list[str] | None = None) -> None:
    args, config = parse_args(argv)
    api = SampleVehicleApi(config, args.host, args.port).start()
    stopped = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stopped.set())
    limit = f", {config.rate_limit:g} requests/s" if config.rate_limit else ""
    print(f"vehicle API ready at {api.url} (client_id {config.client_id}{limit})", flush=True)
    try:
        while not stopped.wait(0.5):
            pass
    except KeyboardInterrupt:
        pass
    finally:
        api.stop()
        print("vehicle API stopped", flush=True)


if __name__ == "__main__":
    main()
