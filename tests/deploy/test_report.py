"""``make report`` on a generated week of the run ledger: the table per pipeline and day, and a
PNG chart that is drawn (not blank)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import matplotlib.image

from deploy.report import main
from local.provision import provision
from pipelines import run_ledger
from pipelines.run_ledger import Counts, RunRecord, Usage
from pipelines.settings import load

ENV = "report-week"
LAST = date(2020, 7, 14)  # a historical week: the report's window must not depend on today


def generated_week(aws) -> dict[tuple[str, str], tuple[int, int]]:
    """Seven days of two pipelines ending on LAST, and a day after it, in the ledger of ENV;
    (dag, day) -> (published, rejected) of the seven."""
    settings = load({"PIPELINES_ENV": ENV})
    provision(aws.endpoint_url, settings)
    s3, glue = aws.client("s3"), aws.client("glue")
    written = {}
    for offset in range(8):
        day = LAST - timedelta(days=6 - offset)
        for dag_id, base in (("traffic_batch", 17_000), ("web_hits_hourly", 1_200)):
            published, rejected = base + 100 * offset, offset
            start = datetime(day.year, day.month, day.day, 7, 30, tzinfo=UTC)
            run = RunRecord(dag_id, f"scheduled__{day}", day.isoformat(), "success", start,
                            start + timedelta(minutes=9), day.isoformat(), settings.region)  # fmt: skip
            counts = Counts(
                read=published + rejected, rejected={"malformed JSON": rejected}, published={"t": published}
            )
            usage = Usage(athena_queries=9, athena_bytes_scanned=30 * 2**20, athena_bytes_billed=90 * 2**20)
            run_ledger.write(s3, glue, settings, run, run_ledger.ledger_rows(run, counts, usage))
            if day <= LAST:
                written[(dag_id, day.isoformat())] = (published, rejected)
    return written


def test_the_report_prints_a_table_per_pipeline_and_day_and_draws_the_chart(local_aws, tmp_path, capsys):
    written = generated_week(local_aws)
    out = tmp_path / "report.png"
    assert main(["--env", ENV, "--endpoint-url", local_aws.endpoint_url, "--days", "7", "--until", str(LAST),
                 "--out", str(out)]) == 0  # fmt: skip
    printed = capsys.readouterr().out.splitlines()
    assert printed[0].split() == ["pipeline", "day", "runs", "failed", "published", "rejected", "scanned", "MB", "cost",
                                  "USD"]  # fmt: skip
    lines = [line.split() for line in printed[1:-1]]
    assert [(cells[0], cells[1]) for cells in lines] == sorted(written)  # a line per pipeline and day
    first_day = (LAST - timedelta(days=6)).isoformat()
    # pipeline, day, runs, failed, published, rejected, scanned MB, cost: 90 MB billed at $5 per TB
    assert lines[0] == ["traffic_batch", first_day, "1", "0", f"{written[('traffic_batch', first_day)][0]:,}", "0",
                        "30.0", f"{90 / 2**20 * 5:.4f}"]  # fmt: skip
    assert lines[-1][4:6] == [f"{written[('web_hits_hourly', LAST.isoformat())][0]:,}", "6"]
    assert printed[-1] == f"chart: {out}"
    image = matplotlib.image.imread(out)
    assert image.shape[:2] == (700, 1000)  # 10 x 7 inches at 100 dpi
    assert len({tuple(pixel) for pixel in image.reshape(-1, image.shape[2])[::97]}) > 10  # drawn, not blank


def test_days_outside_the_window_are_left_out(local_aws, tmp_path, capsys):
    generated_week(local_aws)
    main(["--env", ENV, "--endpoint-url", local_aws.endpoint_url, "--days", "2", "--until", str(LAST),
          "--out", str(tmp_path / "r.png")])  # fmt: skip
    days = [line.split()[1] for line in capsys.readouterr().out.splitlines()[1:-1]]
    assert sorted(set(days)) == ["2020-07-13", "2020-07-14"]  # not the days before, nor 2020-07-15 after


def test_without_until_the_window_ends_today_in_utc(local_aws, tmp_path, capsys):
    generated_week(local_aws)
    main(["--env", ENV, "--endpoint-url", local_aws.endpoint_url, "--out", str(tmp_path / "r.png")])
    assert capsys.readouterr().out.splitlines() == ["the ledger has no run in these days"]
