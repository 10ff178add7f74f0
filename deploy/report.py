"""``make report [DAYS=7] [UNTIL=YYYY-MM-DD] [ENV=name REGION=r]``: the run ledger per pipeline and
day (the DAYS days ending on UNTIL, default today in UTC), as a table on the terminal and a PNG
chart (rows published and rejected, cost), read through Athena.

Without ENV it reads the stack ``make run`` started; with ENV and REGION the AWS environment of
that name, with your session. The chart is written to ``--out`` (default
``.local/ledger-report.png``).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from local import athena_queries
from pipelines.run_ledger import TABLE
from pipelines.settings import Settings, load

DEFAULT_OUT = Path(".local") / "ledger-report.png"


@dataclass(frozen=True)
class DayFigures:
    dag_id: str
    day: str
    runs: int
    failed: int
    published: int
    rejected: int
    scanned: int
    cost: float | None


def daily_sql(settings: Settings, since: date, until: date) -> str:
    """One row per pipeline and day from ``since`` to ``until``: its runs' rows (not the per-table ones)."""
    return (
        "SELECT dag_id, day, count(*) AS runs, count_if(state = 'failed') AS failed,"
        " sum(rows_published) AS published, sum(rows_rejected) AS rejected,"
        " sum(athena_bytes_scanned) AS scanned, sum(cost_usd) AS cost"
        f' FROM "{settings.ledger_database}"."{TABLE}"'
        f" WHERE day BETWEEN '{since:%Y-%m-%d}' AND '{until:%Y-%m-%d}' AND table_name IS NULL"
        " GROUP BY dag_id, day ORDER BY dag_id, day"
    )


def read_days(athena: Any, settings: Settings, since: date, until: date) -> list[DayFigures]:
    execution = athena_queries.run(
        athena, daily_sql(settings, since, until), settings.ledger_database, settings.athena_workgroup
    )
    _, rows = athena_queries.result_rows(athena, execution["QueryExecutionId"])
    return [
        DayFigures(
            dag_id,
            day,
            int(runs),
            int(failed),
            int(published or 0),
            int(rejected or 0),
            int(scanned or 0),
            None if cost is None else float(cost),
        )  # fmt: skip
        for dag_id, day, runs, failed, published, rejected, scanned, cost in rows
    ]


def table_lines(figures: Sequence[DayFigures]) -> list[str]:
    """One line per pipeline and day: runs (failed), rows published and rejected, MB scanned, cost."""
    if not figures:
        return ["the ledger has no run in these days"]
    header = ("pipeline", "day", "runs", "failed", "published", "rejected", "scanned MB", "cost USD")
    rows = [header] + [
        (
            f.dag_id,
            f.day,
            str(f.runs),
            str(f.failed),
            f"{f.published:,}",
            f"{f.rejected:,}",
            f"{f.scanned / 2**20:,.1f}",
            "n/a" if f.cost is None else f"{f.cost:.4f}",
        )  # fmt: skip
        for f in sorted(figures, key=lambda f: (f.dag_id, f.day))
    ]
    return aligned(rows, left=2)


def aligned(rows: Sequence[Sequence[str]], left: int | None = None) -> list[str]:
    """Rows as columns two spaces apart: the first ``left`` columns (all when None) flush left,
    the others, figures, flush right."""
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    left = len(widths) if left is None else left
    return ["  ".join(c.ljust(w) if i < left else c.rjust(w) for i, (c, w) in enumerate(zip(row, widths, strict=True)))
            for row in rows]  # fmt: skip


def write_chart(figures: Sequence[DayFigures], out: Path) -> Path:
    """Rows published and rejected per pipeline and day, and the day's cost, as a PNG."""
    import matplotlib

    matplotlib.use("Agg")  # files only, no display
    import matplotlib.pyplot as plt

    days = sorted({f.day for f in figures})
    at = range(len(days))  # positions, labelled with the days (strings would be categories)
    fig, (rows_axis, cost_axis) = plt.subplots(2, 1, figsize=(10, 7), sharex=True)
    for dag_id in sorted({f.dag_id for f in figures}):
        by_day = {f.day: f for f in figures if f.dag_id == dag_id}
        published = [by_day[d].published if d in by_day else 0 for d in days]
        rejected = [by_day[d].rejected if d in by_day else 0 for d in days]
        rows_axis.plot(at, published, marker="o", label=f"{dag_id} published")
        rows_axis.plot(at, rejected, marker="x", linestyle="--", label=f"{dag_id} rejected")
    costs = [sum(f.cost or 0 for f in figures if f.day == d) for d in days]
    cost_axis.bar(at, costs, color="tab:green")
    cost_axis.set_xticks(list(at), days, rotation=45)
    rows_axis.set_yscale("symlog")  # a few rejects beside thousands of rows
    rows_axis.set_ylim(bottom=0)
    rows_axis.set_ylabel("rows")
    rows_axis.set_title("Run ledger: rows per pipeline and day")
    rows_axis.legend(fontsize="small")
    cost_axis.set_ylabel("USD (list prices)")
    cost_axis.set_title("Cost per day, all pipelines")
    fig.tight_layout()
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, dpi=100)
    plt.close(fig)
    return out


def report(athena: Any, settings: Settings, days: int, out: Path, until: date | None = None) -> list[str]:
    """The table's lines for the ``days`` days ending on ``until`` (default today in UTC), the
    chart written to ``out`` (when there is a day to draw)."""
    until = until or datetime.now(UTC).date()
    figures = read_days(athena, settings, until - timedelta(days=days - 1), until)
    lines = table_lines(figures)
    if figures:
        lines.append(f"chart: {write_chart(figures, out)}")
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m deploy.report", description=__doc__.split("\n\n")[0])
    parser.add_argument("--days", type=int, default=7)
    parser.add_argument("--until", type=date.fromisoformat, help="the last day (YYYY-MM-DD); default: today in UTC")
    parser.add_argument("--env", help="an AWS environment (with --region); default: the make run stack")
    parser.add_argument("--region")
    parser.add_argument("--endpoint-url", help="a local AWS other than make run's")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = parser.parse_args(argv)
    if args.env and not args.endpoint_url:
        import boto3

        session = boto3.Session(region_name=args.region)
        account = session.client("sts").get_caller_identity()["Account"]
        settings = load({"PIPELINES_ENV": args.env, "PIPELINES_AWS_REGION": args.region or session.region_name,
                         "PIPELINES_AWS_ACCOUNT_ID": account})  # fmt: skip
        client = session.client("athena")
    else:
        from local.airflow_env import DEFAULT_HOME, recorded_ports
        from local.aws.credentials import local_client

        endpoint = args.endpoint_url or f"http://127.0.0.1:{recorded_ports(DEFAULT_HOME).get('aws_port', 4566)}"
        environ = {"PIPELINES_ENV": args.env} if args.env else {}
        settings = load({**environ, **({"PIPELINES_AWS_REGION": args.region} if args.region else {})})
        client = local_client("athena", endpoint, settings.region)
    print("\n".join(report(client, settings, args.days, args.out, args.until)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
