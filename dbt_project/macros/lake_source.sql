{#
  The rows of one lake asset: read_parquet over lake/<asset>/*.parquet when files exist,
  otherwise a typed empty relation built from the source's declared columns, so that models
  over ML outputs that have not been written yet still build (empty, not an error).
  Calling source() keeps the lineage: dbt and Dagster see the model depend on the source.
#}
{% macro lake_source(table) -%}
  {%- set relation = source('lake', table) -%}
  {%- set pattern = env_var('APPOPS_LAKE', 'lake') ~ '/' ~ table ~ '/*.parquet' -%}
  {%- set found = 0 -%}
  {%- if execute -%}
    {%- set found = run_query("select count(*) from glob('" ~ pattern ~ "')").columns[0].values()[0] -%}
  {%- endif -%}
  {%- if found > 0 -%}
    read_parquet('{{ pattern }}', union_by_name = true)
  {%- else -%}
    {%- set columns = graph.sources[relation_source_id(table)].columns.values() if execute else [] -%}
    (select {% for c in columns %}cast(null as {{ c.data_type }}) as "{{ c.name }}"{{ ", " if not loop.last }}{% endfor %}
     {%- if not columns %}null as partition_date{% endif %} where false)
  {%- endif -%}
{%- endmacro %}

{% macro relation_source_id(table) -%}
  {{- 'source.' ~ project_name ~ '.lake.' ~ table -}}
{%- endmacro %}

{# The run's partition window as a SQL predicate on partition_date. #}
{% macro in_window(column='partition_date') -%}
  {{ column }} between date '{{ var("min_date") }}' and date '{{ var("max_date") }}'
{%- endmacro %}

{# Before an incremental insert: drop the window's days, so a rerun replaces them exactly
   (a day that now has no rows is emptied too). #}
{% macro delete_window() -%}
  {%- if is_incremental() -%}
    delete from {{ this }} where {{ in_window() }}
  {%- else -%}
    select 1
  {%- endif -%}
{%- endmacro %}
