{#
The columns of measurement_intervals and of its attempts table, written once.
#}
(
  `vehicle_type` string,
  `average_seconds_between_measurements` double,
  `vehicles` bigint
)
