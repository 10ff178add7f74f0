{#
The raw records day D reads, each judged on its own: the WITH clauses `judged` (every raw line
of the 32 arrival hours, with `reason` NULL for a good record and its fields typed) used by the
day's INSERT (06: the good records) and the quarantine's (07: the rejected ones of D's own
arrival hours). Included inside a WITH clause; `day`, `before` and `after` are set by the file
including it.

A record is rejected, with the first reason that applies, when its line is not JSON, a field of
the spec's record is missing or null, or a value is not an integer of the field's type (a float,
a string that is not an integer, a number out of range): nothing is rounded or cast into another
value. A JSON string holding an integer ("12") is read as that integer. Blank lines are not
records. Records that are good but defective or out of the day are the spec's filters (06), not
rejects.
Template variables: params.raw_database, params.lines_table.
#}
{%- set fields = [
  ("unieke_id", "int"), ("lve_nr", "int"), ("tijd_waarneming", "bigint"), ("defect", "int"),
  ("rekendata_bezettingsgraad", "int"),
  ("verkeersintensiteit_klasse1", "int"), ("verkeersintensiteit_klasse2", "int"),
  ("verkeersintensiteit_klasse3", "int"), ("verkeersintensiteit_klasse4", "int"),
  ("verkeersintensiteit_klasse5", "int"),
  ("voertuigsnelheid_rekenkundig_klasse1", "int"), ("voertuigsnelheid_rekenkundig_klasse2", "int"),
  ("voertuigsnelheid_rekenkundig_klasse3", "int"), ("voertuigsnelheid_rekenkundig_klasse4", "int"),
  ("voertuigsnelheid_rekenkundig_klasse5", "int"),
] %}
{%- set lines = '"' ~ params.raw_database ~ '"."' ~ params.lines_table ~ '"' %}
lines AS (
  SELECT line, partition_0 || partition_1 || partition_2 || partition_3 AS arrival_hour
  FROM {{ lines }}
  WHERE partition_0 = '{{ before[0:4] }}' AND partition_1 = '{{ before[5:7] }}' AND partition_2 = '{{ before[8:10] }}'
    AND partition_3 = '23'
  UNION ALL
  SELECT line, partition_0 || partition_1 || partition_2 || partition_3 AS arrival_hour
  FROM {{ lines }}
  WHERE partition_0 = '{{ day[0:4] }}' AND partition_1 = '{{ day[5:7] }}' AND partition_2 = '{{ day[8:10] }}'
  UNION ALL
  SELECT line, partition_0 || partition_1 || partition_2 || partition_3 AS arrival_hour
  FROM {{ lines }}
  WHERE partition_0 = '{{ after[0:4] }}' AND partition_1 = '{{ after[5:7] }}' AND partition_2 = '{{ after[8:10] }}'
    AND partition_3 <= '06'
),
texts AS (
  SELECT
    arrival_hour,
    line,
    try(json_parse(line)) IS NOT NULL AS well_formed,
{%- for name, _ in fields %}
    json_extract_scalar(line, '$.{{ name }}') AS {{ name }}_text{{ "," if not loop.last }}
{%- endfor %}
  FROM lines
  WHERE trim(line) <> ''
),
judged AS (
  SELECT
    arrival_hour,
    line,
    CASE
      WHEN NOT well_formed THEN 'malformed JSON'
{%- for name, kind in fields %}
      WHEN {{ name }}_text IS NULL THEN '{{ name }} is missing or null'
      WHEN NOT regexp_like({{ name }}_text, '^-?[0-9]{1,18}$')
{%- if kind == "int" %}
        OR try_cast({{ name }}_text AS bigint) NOT BETWEEN -2147483648 AND 2147483647
{%- endif %}
        THEN '{{ name }} is not an {{ kind }}: ' || substr({{ name }}_text, 1, 40)
{%- endfor %}
    END AS reason,
{%- for name, kind in fields %}
    try_cast({{ name }}_text AS {{ "integer" if kind == "int" else kind }}) AS {{ name }}{{ "," if not loop.last }}
{%- endfor %}
  FROM texts
)
