{{ config(materialized='incremental', incremental_strategy='delete+insert',
          unique_key='partition_date', pre_hook="{{ delete_window() }}", tags=['daily']) }}
-- Per application and day: incidents (opened, high priority, resolved, MTTR), EOL exposure,
-- satisfaction of the survey products the application serves (seed survey_product_applications),
-- tickets flagged for review,
-- capacity headroom of the metrics mapped to it (seed capacity_metric_applications).
with apps as (
    select * from {{ ref('stg_applications') }} where {{ in_window() }}
),
incidents as (select * from {{ ref('stg_incidents') }}),
opened as (
    select i.cmdb_ci as application, i.opened_day as day, count(*) as incidents_opened,
           count(*) filter (where i.priority <= 2) as incidents_p1_p2,
           count(p.number) filter (where p.needs_review) as incidents_needing_review
    from incidents i left join {{ ref('stg_ticket_predictions') }} p on p.number = i.number
    where {{ in_window('i.opened_day') }} group by all
),
resolved as (
    select cmdb_ci as application, resolved_day as day, count(*) as incidents_resolved,
           avg(resolution_hours) as mttr_hours
    from incidents where {{ in_window('resolved_day') }} group by all
),
exposure as (
    select application, partition_date as day,
           count(*) filter (where eol_status = 'eol_passed') as components_eol_passed,
           count(*) filter (where eol_status like 'eol_within_%') as components_eol_soon,
           count(*) filter (where eol_status = 'unknown') as components_unmatched,
           count(*) as components
    from {{ ref('fct_installed_components') }} where {{ in_window() }} group by all
),
headroom as (
    select m.application, h.partition_date as day, count(*) as capacity_series,
           count(*) filter (where h.p_cross_30d >= 0.5) as capacity_series_at_risk_30d,
           min(h.days_to_threshold) as min_days_to_capacity_threshold
    from {{ ref('stg_capacity_headroom') }} h
    inner join {{ ref('capacity_metric_applications') }} m using (metric)
    where {{ in_window('h.partition_date') }} group by all
),
satisfaction as (
    select m.application, v.partition_date as day, count(*) as responses,
           avg(v.score_10) as avg_score_10
    from {{ ref('stg_verbatims') }} v
    inner join {{ ref('survey_product_applications') }} m on m.product = v.product
    where {{ in_window('v.partition_date') }} group by all
)
select a.partition_date, a.application, a.application_name, a.team, a.criticality,
       coalesce(o.incidents_opened, 0) as incidents_opened,
       coalesce(o.incidents_p1_p2, 0) as incidents_p1_p2,
       coalesce(r.incidents_resolved, 0) as incidents_resolved, r.mttr_hours,
       coalesce(o.incidents_needing_review, 0) as incidents_needing_review,
       coalesce(e.components, 0) as components,
       coalesce(e.components_eol_passed, 0) as components_eol_passed,
       coalesce(e.components_eol_soon, 0) as components_eol_soon,
       coalesce(e.components_unmatched, 0) as components_unmatched,
       s.responses as survey_responses, s.avg_score_10 as satisfaction_10,
       coalesce(h.capacity_series, 0) as capacity_series,
       coalesce(h.capacity_series_at_risk_30d, 0) as capacity_series_at_risk_30d,
       h.min_days_to_capacity_threshold
from apps a
left join opened o on o.application = a.application and o.day = a.partition_date
left join resolved r on r.application = a.application and r.day = a.partition_date
left join exposure e on e.application = a.application and e.day = a.partition_date
left join headroom h on h.application = a.application and h.day = a.partition_date
left join satisfaction s on s.application = a.application and s.day = a.partition_date
