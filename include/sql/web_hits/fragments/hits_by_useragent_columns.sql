{#
The columns of hits_by_useragent and of its attempts table, written once (the Glue job
include/glue/web_hits_aggregates.py writes them).
#}
(
  `user_agent` string,
  `hit_count` bigint
)
