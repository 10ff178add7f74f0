{#
Traffic ETL: compute day D's rows (spec section 1) into this try's own attempt
partition of the attempts table (a retry writes a new one, never adds to an old one). INSERT
INTO registers the partition in the Glue catalog. Trino SQL: identifiers in double quotes.
Reads the good records (fragments/raw_records.sql) of the arrival hours where D's rows can be:
D-1 23h (for the 10 minutes before D that the windows and previousspeed see), all of D, and
D+1 00h..06h (records up to 6 h late).
Template variables: params.raw_database, params.lines_table, params.lake_database,
params.attempts_table, run_target() (the run's day, YYYY-MM-DD: pipelines.run_targets),
attempt_id() (pipelines.partitions); macros.ds_add (Airflow's).
#}
{%- set day = run_target() %}
{%- set before = macros.ds_add(day, -1) %}
{%- set after = macros.ds_add(day, 1) %}
INSERT INTO "{{ params.lake_database }}"."{{ params.attempts_table }}"
WITH bounds AS (
  SELECT CAST(to_unixtime(TIMESTAMP '{{ day }} 00:00:00') AS bigint) AS day_start
),
{% include "traffic/fragments/raw_records.sql" %},
valid AS (
  -- Faulty lanes, invalid occupancy and events outside [D - 10 min, D + 1) are dropped.
  SELECT
    a.*,
    row_number() OVER (
      PARTITION BY unieke_id, lve_nr, tijd_waarneming
      ORDER BY arrival_hour, rekendata_bezettingsgraad,
        verkeersintensiteit_klasse1, verkeersintensiteit_klasse2, verkeersintensiteit_klasse3,
        verkeersintensiteit_klasse4, verkeersintensiteit_klasse5,
        voertuigsnelheid_rekenkundig_klasse1, voertuigsnelheid_rekenkundig_klasse2,
        voertuigsnelheid_rekenkundig_klasse3, voertuigsnelheid_rekenkundig_klasse4,
        voertuigsnelheid_rekenkundig_klasse5
    ) AS copy_number
  FROM judged AS a
  CROSS JOIN bounds AS b
  WHERE a.reason IS NULL
    AND a.defect = 0
    AND a.rekendata_bezettingsgraad >= 0
    AND a.tijd_waarneming >= b.day_start - 600
    AND a.tijd_waarneming < b.day_start + 86400
),
lanes AS (
  -- Firehose delivers at least once: of the copies of a lane minute, the earliest delivered counts.
  -- Lane speed: mean of the class 2..5 speeds over the classes that saw a vehicle, NULL if none did.
  SELECT
    unieke_id,
    tijd_waarneming,
    rekendata_bezettingsgraad,
    verkeersintensiteit_klasse2,
    verkeersintensiteit_klasse3,
    verkeersintensiteit_klasse4,
    verkeersintensiteit_klasse5,
    CAST(
      CASE WHEN verkeersintensiteit_klasse2 > 0 THEN voertuigsnelheid_rekenkundig_klasse2 ELSE 0 END
      + CASE WHEN verkeersintensiteit_klasse3 > 0 THEN voertuigsnelheid_rekenkundig_klasse3 ELSE 0 END
      + CASE WHEN verkeersintensiteit_klasse4 > 0 THEN voertuigsnelheid_rekenkundig_klasse4 ELSE 0 END
      + CASE WHEN verkeersintensiteit_klasse5 > 0 THEN voertuigsnelheid_rekenkundig_klasse5 ELSE 0 END
      AS double
    ) / NULLIF(
      CASE WHEN verkeersintensiteit_klasse2 > 0 THEN 1 ELSE 0 END
      + CASE WHEN verkeersintensiteit_klasse3 > 0 THEN 1 ELSE 0 END
      + CASE WHEN verkeersintensiteit_klasse4 > 0 THEN 1 ELSE 0 END
      + CASE WHEN verkeersintensiteit_klasse5 > 0 THEN 1 ELSE 0 END,
      0
    ) AS lane_speed
  FROM valid
  WHERE copy_number = 1
),
minutes AS (
  SELECT
    unieke_id AS uniqueid,
    tijd_waarneming AS recordtimestamp,
    avg(lane_speed) AS currentspeed,
    CAST(round(avg(rekendata_bezettingsgraad)) AS integer) AS bezettingsgraad,
    CAST(sum(verkeersintensiteit_klasse2) AS integer) AS trafficintensityclass2,
    CAST(sum(verkeersintensiteit_klasse3) AS integer) AS trafficintensityclass3,
    CAST(sum(verkeersintensiteit_klasse4) AS integer) AS trafficintensityclass4,
    CAST(sum(verkeersintensiteit_klasse5) AS integer) AS trafficintensityclass5
  FROM lanes
  GROUP BY unieke_id, tijd_waarneming
),
windowed AS (
  -- Windows by time over the detector's minutes: [t - 120 s, t] and [t - 600 s, t], avg skips NULLs.
  SELECT
    m.*,
    lag(currentspeed) OVER (PARTITION BY uniqueid ORDER BY recordtimestamp) AS previousspeed,
    avg(currentspeed) OVER (
      PARTITION BY uniqueid ORDER BY recordtimestamp RANGE BETWEEN 120 PRECEDING AND CURRENT ROW
    ) AS avgspeed2minutes,
    avg(currentspeed) OVER (
      PARTITION BY uniqueid ORDER BY recordtimestamp RANGE BETWEEN 600 PRECEDING AND CURRENT ROW
    ) AS avgspeed10minutes
  FROM minutes AS m
)
SELECT
  w.uniqueid,
  w.recordtimestamp,
  w.currentspeed,
  w.bezettingsgraad,
  w.previousspeed,
  CASE WHEN w.avgspeed2minutes IS NULL THEN -1 WHEN w.avgspeed2minutes <= 40 THEN 1 ELSE 0 END
    AS trafficjamindicator,
  w.trafficintensityclass2,
  w.trafficintensityclass3,
  w.trafficintensityclass4,
  w.trafficintensityclass5,
  CASE
    WHEN w.currentspeed - w.previousspeed >= 20 THEN 1
    WHEN w.currentspeed - w.previousspeed <= -20 THEN -1
    ELSE 0
  END AS speeddiffindicator,
  w.avgspeed2minutes,
  w.avgspeed10minutes,
  '{{ day[0:4] }}' AS year,
  '{{ day[5:7] }}' AS month,
  '{{ day[8:10] }}' AS day,
  '{{ attempt_id() }}' AS attempt
FROM windowed AS w
CROSS JOIN bounds AS b
WHERE w.recordtimestamp >= b.day_start
