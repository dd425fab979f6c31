{{ config(materialized='incremental', incremental_strategy='delete+insert',
          unique_key='partition_date', pre_hook="{{ delete_window() }}", tags=['daily']) }}
-- Exposure per day, application, team and environment: components and hosts per EOL status.
select f.partition_date, f.application, coalesce(a.team, 'unassigned') as team,
       f.environment, f.eol_status, count(*) as components, count(distinct f.host) as hosts,
       min(f.days_to_eol) as min_days_to_eol
from {{ ref('fct_installed_components') }} f
left join {{ ref('stg_applications') }} a
       on a.application = f.application and a.partition_date = f.partition_date
where {{ in_window('f.partition_date') }}
group by all
