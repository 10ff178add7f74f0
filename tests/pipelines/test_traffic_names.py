from datetime import timedelta
from types import SimpleNamespace

import jinja2
import pendulum
import pytest

from pipelines.dag_defaults import RUN_DAY
from pipelines.run_day import run_day
from pipelines.settings import load
from pipelines.timetables import PreviousDayTimetable
from pipelines.traffic.checks import ProcessedDayError, verify_day
from pipelines.traffic.crawler import crawler_config
from pipelines.traffic.tables import day_values


def render(template: str, **context) -> str:
    env = jinja2.Environment(undefined=jinja2.StrictUndefined)
    dag = SimpleNamespace(timetable=PreviousDayTimetable(delay=timedelta(hours=7, minutes=30)))
    return env.from_string(template).render(run_day=run_day, dag=dag, **context)


def test_day_values_and_the_run_day_macro_as_templates_render_it():
    assert day_values("2020-07-14") == ["2020", "07", "14"]
    start = pendulum.datetime(2020, 7, 14, tz="UTC")
    context = {"logical_date": start, "data_interval_start": start}
    assert render(RUN_DAY, params={"date": None}, **context) == "2020-07-14"
    assert render(RUN_DAY, params={"date": "2021-01-02"}, **context) == "2021-01-02"


def test_crawler_targets_the_raw_traffic_prefix_and_crawls_new_folders_only():
    config = crawler_config(load({"PIPELINES_ENV": "prod"}))
    assert config["Targets"] == {"S3Targets": [{"Path": "s3://pipelines-prod-raw-123456789012/traffic/"}]}
    assert config["DatabaseName"] == "pipelines_prod_raw"
    assert config["RecrawlPolicy"] == {"RecrawlBehavior": "CRAWL_NEW_FOLDERS_ONLY"}


def test_day_check_names_every_problem():
    assert verify_day({"row_count": 10, "duplicated_keys": 0, "invalid_rows": 0}, "2020-07-14")["row_count"] == 10
    with pytest.raises(ProcessedDayError, match="2 .* keys appear more than once; 3 rows have indicator values"):
        verify_day({"row_count": 10, "duplicated_keys": 2, "invalid_rows": 3}, "2020-07-14")
    with pytest.raises(ProcessedDayError, match="no rows"):
        verify_day({"row_count": 0, "duplicated_keys": 0, "invalid_rows": 0}, "2020-07-14")
