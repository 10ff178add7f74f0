{#
The columns of sensor_data and of its attempts table, written once.
#}
(
  `vehicle_id` string,
  `timestamp` bigint,
  `sensor_value` double
)
