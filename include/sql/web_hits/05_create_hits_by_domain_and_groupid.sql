{#
Web hits: the published `hits_by_domain_and_groupid` (json), created once. Each hour's partition
points at the checked attempt that published it (pipelines.partitions).
Template variables: params.aggregated_database, params.lake_bucket, params.raw_prefix.
#}
CREATE EXTERNAL TABLE IF NOT EXISTS `{{ params.aggregated_database }}`.`hits_by_domain_and_groupid` {% include "web_hits/fragments/hits_by_domain_and_groupid_columns.sql" %}
PARTITIONED BY (`year` string, `month` string, `day` string, `hour` string)
{% include "web_hits/fragments/json_format.sql" %}
LOCATION 's3://{{ params.lake_bucket }}/{{ params.raw_prefix }}hits_by_domain_and_groupid/'
