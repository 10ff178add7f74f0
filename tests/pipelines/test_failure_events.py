from pipelines.failure_events import failed_tasks, failure_detail


def test_only_failed_tasks_are_named_mapped_ones_with_their_index():
    states = {"a": "success", "b": "failed", "c": "upstream_failed", "d_0": "failed", "d_1": "success", "e": None}
    assert failed_tasks(states) == ["b", "d_0"]


def test_the_detail_has_the_specs_fields_and_a_bounded_error():
    detail = failure_detail(
        "web_hits_hourly", "manual__x", {"target_hour": "2024-05-01T13"}, ["aggregate_hour"], "E" * 10_000
    )
    assert list(detail) == ["dag_id", "run_id", "target_hour", "failed_tasks", "error", "ledger"]
    assert detail["failed_tasks"] == ["aggregate_hour"] and len(detail["error"]) == 4000
    assert detail["ledger"] is None  # no ledger line passed: the run's record did not happen
