{#
The typed columns of `travel_times` and its attempts table (spec section 4), written once.
#}
(
  `origin_movement_id` int,
  `origin_display_name` string,
  `destination_movement_id` int,
  `destination_display_name` string,
  `date_range` string,
  `range_start` date,
  `range_end` date,
  `mean_travel_time_seconds` double,
  `lower_bound_travel_time_seconds` double,
  `upper_bound_travel_time_seconds` double,
  `replay_id` string
)
