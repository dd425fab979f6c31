{{ config(tags=['over_days']) }}
-- Correlations over every day the warehouse holds, with the number of points behind each
-- (Pearson; null below 3 points): changes deployed by a team vs its incidents over the next
-- 3 days, and the day's mean satisfaction vs the day's incidents.
with team_days as (
    select t.team, t.partition_date, t.changes_deployed,
           (select sum(n.incidents_opened) from {{ ref('mart_team_daily') }} n
             where n.team = t.team
               and n.partition_date between t.partition_date + 1 and t.partition_date + 3)
             as incidents_next_3d
    from {{ ref('mart_team_daily') }} t
    where t.changes_deployed is not null
),
changes as (
    select 'changes_deployed vs incidents_next_3d' as pair, team as scope,
           changes_deployed as x, incidents_next_3d as y from team_days
    union all
    select 'changes_deployed vs incidents_next_3d' as pair, 'all teams' as scope,
           changes_deployed as x, incidents_next_3d as y from team_days
),
daily as (
    select s.partition_date, sum(s.avg_score_10 * s.responses) / sum(s.responses) as satisfaction,
           (select count(*) from {{ ref('stg_incidents') }} i
             where i.opened_day = s.partition_date) as incidents
    from {{ ref('mart_satisfaction_daily') }} s group by s.partition_date
),
pairs as (
    select * from changes
    union all
    select 'satisfaction vs incidents' as pair, 'all days' as scope, incidents as x, satisfaction as y
    from daily
)
select pair, scope, count(*) filter (where x is not null and y is not null) as n_points,
       case when count(*) filter (where x is not null and y is not null) >= 3
            then corr(y, x) end as coefficient
from pairs
group by pair, scope
