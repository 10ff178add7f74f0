{#
The columns of hits_by_domain_and_groupid and of its attempts table, written once (the Glue job
include/glue/web_hits_aggregates.py writes them).
#}
(
  `domain` string,
  `group_id` int,
  `hit_count` bigint
)
