{#
The columns of hits_by_country and of its attempts table, written once (the Glue job
include/glue/web_hits_aggregates.py writes them).
#}
(
  `country_code` string,
  `hit_count` bigint
)
