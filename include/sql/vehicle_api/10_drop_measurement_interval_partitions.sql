-- Reprocessing replaces a date's result set: the DAG deletes the partitions' files, this
-- drops them from the catalog, and the next statement writes them anew.
{%- set dates = ti.xcom_pull(task_ids="resolve_dates") %}
ALTER TABLE `{{ settings.lake_database }}`.`measurement_intervals` DROP IF EXISTS
{%- for day in dates %}
  PARTITION (processed_date = '{{ day }}'){{ "," if not loop.last }}
{%- endfor %}
