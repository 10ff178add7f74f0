"""Deterministic web hits in the raw layout of seed 002: ``python -m local.sources.web_hits``.

One JSON line per hit, in ``web_hits/year=YYYY/month=MM/day=DD/hour=HH/minute=mm/`` (the hit's
own UTC minute), with the faults a real feed carries: in every hour a few lines that are not
JSON, a few without ``Timestamp``, about one hit in a hundred stamped in a non-UTC offset (the
same instant), and in each of the hour's last three minutes one file that lands after the hour
has ended (``late``). Domains follow a Zipf law (a heavy head, a long tail), countries, user agents and
languages plausible weights, and the volume a daily curve around ``hits_per_hour``. The same
seed and hour always give the same bytes; an hour is generated minute by minute, so a million
hits an hour stream in bounded memory.
"""

from __future__ import annotations

import argparse
import json
import math
import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

from local.sources.s3_puts import put_objects

PREFIX = "web_hits/"
MALFORMED_PER_HOUR = 3
WITHOUT_TIMESTAMP_PER_HOUR = 2
LATE_MINUTES, LATE_SHARE = 3, 0.3  # of each of the hour's last minutes' lines, written after the hour ends
OFFSETS = (timedelta(hours=2), timedelta(hours=-5), timedelta(hours=5, minutes=30), timedelta(hours=9))

DOMAINS = tuple(
    f"{name}.{tld}"
    for name, tld in zip(
        (
            "news", "shop", "video", "mail", "search", "maps", "weather", "sports", "travel", "games",
            "music", "books", "cars", "homes", "jobs", "health", "food", "photos", "docs", "wiki",
            "forum", "tickets", "bank", "energy", "garden", "pets", "art", "science", "kids", "movies",
            "fashion", "tech", "radio", "chess", "recipes", "tools", "boats", "hiking", "coffee", "crafts",
        ),
        ("com", "net", "org", "io", "eu", "de", "fr", "co.uk") * 5,
        strict=True,
    )
)  # fmt: skip
DOMAIN_WEIGHTS = tuple(1 / rank**1.1 for rank in range(1, len(DOMAINS) + 1))
COUNTRIES = {
    "US": (30, "en-US"), "DE": (9, "de-DE"), "GB": (8, "en-GB"), "FR": (7, "fr-FR"), "IN": (7, "hi-IN"),
    "BR": (6, "pt-BR"), "JP": (5, "ja-JP"), "BE": (4, "nl-BE"), "NL": (4, "nl-NL"), "ES": (4, "es-ES"),
    "CA": (4, "en-CA"), "IT": (3, "it-IT"), "MX": (3, "es-MX"), "PL": (2, "pl-PL"), "SE": (2, "sv-SE"),
    "AU": (2, "en-AU"), "KR": (2, "ko-KR"), "PT": (1, "pt-PT"), "IE": (1, "en-IE"), "NZ": (1, "en-NZ"),
}  # fmt: skip
LANGUAGES = tuple(sorted({language for _, language in COUNTRIES.values()}))
USER_AGENTS = {
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36": 34,
    "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148": 22,
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Mobile Safari/537.36": 18,
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_6) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Safari/605.1.15": 10,
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0": 7,
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36": 4,
    "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)": 3,
    "curl/8.5.0": 1,
    "python-requests/2.32.3": 1,
}


@dataclass(frozen=True)
class RawFile:
    key: str
    body: bytes
    late: bool  # lands after its hour has ended


def hour_start(value: str | datetime) -> datetime:
    """``YYYY-MM-DDTHH`` (or a datetime) as the UTC start of that hour."""
    moment = datetime.strptime(value, "%Y-%m-%dT%H").replace(tzinfo=UTC) if isinstance(value, str) else value
    start = moment.astimezone(UTC)
    return datetime(start.year, start.month, start.day, start.hour, tzinfo=UTC)  # a plain datetime, even from pendulum


def minute_prefix(minute: datetime, prefix: str = PREFIX) -> str:
    return f"{prefix}year={minute:%Y}/month={minute:%m}/day={minute:%d}/hour={minute:%H}/minute={minute:%M}/"


def hits_in_hour(hour: datetime, hits_per_hour: int) -> int:
    """The daily curve: quiet at 03:00 UTC, busiest at 15:00, averaging ``hits_per_hour``."""
    return max(0, round(hits_per_hour * (1 + 0.6 * math.sin((hour.hour - 9) / 24 * 2 * math.pi))))


def timestamp(moment: datetime, offset: timedelta | None = None) -> str:
    """ISO-8601 with milliseconds: ``2024-05-01T13:07:22.123Z``, or in ``offset`` (same instant)."""
    if offset is None:
        return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"
    local = moment.astimezone(timezone(offset))
    return (
        local.strftime("%Y-%m-%dT%H:%M:%S.")
        + f"{local.microsecond // 1000:03d}"
        + local.strftime("%z")[:3]
        + ":"
        + local.strftime("%z")[3:]
    )


class _Hits:
    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.countries = list(COUNTRIES)
        self.country_weights = [weight for weight, _ in COUNTRIES.values()]
        self.agents = list(USER_AGENTS)
        self.agent_weights = list(USER_AGENTS.values())

    def hit(self, moment: datetime) -> dict[str, Any]:
        rng = self.rng
        domain_index = rng.choices(range(len(DOMAINS)), weights=DOMAIN_WEIGHTS)[0]
        country = rng.choices(self.countries, weights=self.country_weights)[0]
        language = COUNTRIES[country][1] if rng.random() < 0.9 else rng.choice(LANGUAGES)
        offset = rng.choice(OFFSETS) if rng.random() < 0.01 else None
        return {
            "GroupID": 100 * (domain_index + 1) + rng.randrange(1 + domain_index % 5),
            "CountryCode": country,
            "UserAgent": rng.choices(self.agents, weights=self.agent_weights)[0],
            "Language": language,
            "Domain": DOMAINS[domain_index],
            "Timestamp": timestamp(moment, offset),
        }


def hour_files(
    hour: str | datetime, hits_per_hour: int = 1000, seed: int = 0, prefix: str = PREFIX
) -> Iterator[RawFile]:
    """The files of one hour, minute by minute (at most one minute's lines in memory)."""
    start = hour_start(hour)
    rng = random.Random(f"{seed}/{start:%Y-%m-%dT%H}")
    total = hits_in_hour(start, hits_per_hour)
    per_minute = [0] * 60
    for _ in range(total):  # a few microseconds per hit: cheap beside generating the hit
        per_minute[rng.randrange(60)] += 1
    faults = {rng.randrange(60): "malformed" for _ in range(MALFORMED_PER_HOUR)}
    missing = [rng.randrange(60) for _ in range(WITHOUT_TIMESTAMP_PER_HOUR)]
    hits = _Hits(rng)
    for minute_index, count in enumerate(per_minute):
        minute = start + timedelta(minutes=minute_index)
        moments = sorted(
            minute + timedelta(microseconds=rng.randrange(60_000_000) // 1000 * 1000) for _ in range(count)
        )
        lines = [json.dumps(hits.hit(moment), separators=(",", ":")) for moment in moments]
        if faults.get(minute_index) and lines:
            lines[rng.randrange(len(lines))] = lines[0][: rng.randrange(5, max(6, len(lines[0]) - 5))]
        for _ in range(missing.count(minute_index)):
            hit = hits.hit(minute)
            del hit["Timestamp"]
            lines.insert(rng.randrange(len(lines) + 1), json.dumps(hit, separators=(",", ":")))
        late = round(len(lines) * LATE_SHARE) if minute_index >= 60 - LATE_MINUTES else 0
        name = f"hits-{minute:%Y%m%d%H%M}"
        on_time, after = lines[: len(lines) - late], lines[len(lines) - late :]
        for part, (chunk, is_late) in enumerate(((on_time, False), (after, True))):
            if chunk:
                body = ("\n".join(chunk) + "\n").encode()
                yield RawFile(f"{minute_prefix(minute, prefix)}{name}-{part}.json", body, is_late)


def hours(first: str | datetime, last: str | datetime) -> list[datetime]:
    """Every hour from ``first`` to ``last``, both included."""
    start, end = hour_start(first), hour_start(last)
    return [start + timedelta(hours=n) for n in range(int((end - start) / timedelta(hours=1)) + 1)]


def write_hours(
    s3: Any, bucket: str, first: str | datetime, last: str | datetime, hits_per_hour: int = 1000, seed: int = 0,
    *, late: bool = True, prefix: str = PREFIX,
) -> list[str]:  # fmt: skip
    """Put the hours ``first``..``last`` into ``s3://bucket/<prefix>``; ``late=False`` leaves out
    the files that land after their hour (write them later to model their late arrival)."""
    files = (file for hour in hours(first, last) for file in hour_files(hour, hits_per_hour, seed, prefix))
    return put_objects(s3, bucket, ((file.key, file.body) for file in files if late or not file.late))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m local.sources.web_hits", description=__doc__.split("\n\n")[0])
    parser.add_argument("--endpoint-url", required=True, help="S3 endpoint, e.g. http://127.0.0.1:4566")
    parser.add_argument("--bucket", required=True, help="raw bucket")
    parser.add_argument("--from", dest="first", required=True, help="first hour, YYYY-MM-DDTHH (UTC)")
    parser.add_argument("--to", dest="last", help="last hour, included (default: the first)")
    parser.add_argument("--hits-per-hour", type=int, default=1000, help="average over the day (default 1000)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--no-late", action="store_true", help="leave out the files that land after their hour")
    parser.add_argument("--region", default="us-east-1")
    args = parser.parse_args(argv)

    from local.aws.credentials import local_client

    s3 = local_client("s3", args.endpoint_url, args.region)
    written = 0
    for hour in hours(args.first, args.last or args.first):
        files = [f for f in hour_files(hour, args.hits_per_hour, args.seed) if not (args.no_late and f.late)]
        for file in files:
            s3.put_object(Bucket=args.bucket, Key=file.key, Body=file.body)
        print(f"{hour:%Y-%m-%dT%H}: {describe(files)}", flush=True)
        written += len(files)
    print(f"wrote {written} objects to s3://{args.bucket}/{PREFIX}")
    return 0


def describe(files: list[RawFile]) -> str:
    """What an hour's files hold: hits, the lines that are none, and what lands late."""
    lines = [line for file in files for line in file.body.splitlines()]
    hits = sum(1 for line in lines if _is_hit(line))
    late = sum(len(file.body.splitlines()) for file in files if file.late)
    return f"{hits} hits, {len(lines) - hits} lines that are no hit, in {len(files)} files ({late} lines land late)"


def _is_hit(line: bytes) -> bool:
    try:
        return "Timestamp" in json.loads(line)
    except ValueError:
        return False


if __name__ == "__main__":
    raise SystemExit(main())
