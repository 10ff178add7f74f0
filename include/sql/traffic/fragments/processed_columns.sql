{#
The processed table's columns (spec section 1), written once for the processed table (00) and
its attempts table (01), which include this file in their CREATE statements.
#}
(
  `uniqueid` int,
  `recordtimestamp` bigint,
  `currentspeed` double,
  `bezettingsgraad` int,
  `previousspeed` double,
  `trafficjamindicator` int,
  `trafficintensityclass2` int,
  `trafficintensityclass3` int,
  `trafficintensityclass4` int,
  `trafficintensityclass5` int,
  `speeddiffindicator` int,
  `avgspeed2minutes` double,
  `avgspeed10minutes` double
)
