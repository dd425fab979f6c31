{{ config(materialized='incremental', incremental_strategy='delete+insert',
          unique_key='partition_date', pre_hook="{{ delete_window() }}", tags=['daily']) }}
-- Per team and day: its applications' incidents, MTTR, EOL exposure and capacity series at
-- risk, with the team's indicators.
with apps as (
    select partition_date, team, count(*) as applications, sum(incidents_opened) as incidents_opened,
           sum(incidents_p1_p2) as incidents_p1_p2, sum(incidents_resolved) as incidents_resolved,
           sum(mttr_hours * incidents_resolved) / nullif(sum(incidents_resolved), 0) as mttr_hours,
           sum(components_eol_passed) as components_eol_passed,
           sum(components_eol_soon) as components_eol_soon,
           sum(capacity_series_at_risk_30d) as capacity_series_at_risk_30d
    from {{ ref('mart_application_daily') }} where {{ in_window() }} group by all
)
select a.*, t.staff_on_duty, t.changes_deployed, t.oncall_pages,
       a.incidents_opened / nullif(t.staff_on_duty, 0) as incidents_per_staff
from apps a
left join {{ ref('stg_team_indicators') }} t on t.team = a.team and t.day = a.partition_date
