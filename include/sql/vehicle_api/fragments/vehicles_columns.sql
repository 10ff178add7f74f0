{#
The columns of vehicles and of its attempts table, written once.
#}
(
  `vehicle_id` string,
  `vehicle_name` string
)
