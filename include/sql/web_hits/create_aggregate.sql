{#
Web hits: one of the three aggregates (params.published: hits_by_country,
hits_by_domain_and_groupid, hits_by_useragent; stored as params.formats names: Parquet with
Snappy, or JSON lines), or (params.attempts) its attempts table,
created once. Every try of the Glue job writes hour H at a location of its own and registers it
in the attempts table (attempt = <run key>-<try number>, pipelines.partitions); the DAG checks
it, then points H's partition of the aggregate at it.
Template variables: params.aggregated_database, params.table (the table to create),
params.published (its aggregate, whose columns are fragments/<published>_columns.sql),
params.attempts, params.formats, params.lake_bucket, params.raw_prefix.
#}
{%- set format = params.formats[params.published] %}
CREATE EXTERNAL TABLE IF NOT EXISTS `{{ params.aggregated_database }}`.`{{ params.table }}` {% include "web_hits/fragments/" ~ params.published ~ "_columns.sql" %}
PARTITIONED BY (`year` string, `month` string, `day` string, `hour` string{{ ", `attempt` string" if params.attempts else "" }})
{% include "web_hits/fragments/" ~ format ~ "_format.sql" %}
LOCATION 's3://{{ params.lake_bucket }}/{{ params.raw_prefix }}{{ params.table }}/'
{{ "TBLPROPERTIES ('parquet.compression' = 'SNAPPY')" if format == "parquet" else "" }}
