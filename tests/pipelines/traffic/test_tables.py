"""The traffic pipeline's names: partition values, the partitions a run answers for, its crawler."""

from pipelines.settings import load
from pipelines.traffic.tables import covered, crawler_config, day_values


def test_day_values_and_the_partitions_a_run_answers_for():
    assert day_values("2020-07-14") == ["2020", "07", "14"]
    assert covered("2020-07-14") == {
        "traffic_rejects": [["2020", "07", "14"]],
        "traffic_processed": [["2020", "07", "14"]],
    }


def test_crawler_targets_the_raw_traffic_prefix_and_crawls_new_folders_only():
    config = crawler_config(load({"PIPELINES_ENV": "prod"}))
    assert config["Targets"] == {"S3Targets": [{"Path": "s3://pipelines-prod-raw-123456789012/traffic/"}]}
    assert config["DatabaseName"] == "pipelines_prod_raw"
    assert config["RecrawlPolicy"] == {"RecrawlBehavior": "CRAWL_NEW_FOLDERS_ONLY"}
