{#
The quarantine's columns, written once for the rejects table (02) and its attempts table (03).
arrival_hour: YYYYMMDDHH of the Firehose folder; reason: why the record was rejected; line: the
raw line as delivered.
#}
(
  `arrival_hour` string,
  `reason` string,
  `line` string
)
