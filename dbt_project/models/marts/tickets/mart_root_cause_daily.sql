{{ config(materialized='incremental', incremental_strategy='delete+insert',
          unique_key='partition_date', pre_hook="{{ delete_window() }}", tags=['daily']) }}
-- Per day and incident root-cause cluster: size on the day and in the clustering window,
-- growth (the last 7 days against the 7 before, from the cluster's own daily sizes), new and
-- growing flags, top keywords and example tickets (the most central ones, with their short
-- description): "top incident causes this week" is one query on this table.
with clusters as (
    select * from {{ ref('stg_root_cause_clusters') }}
),
sizes as (
    select c.partition_date, c.cluster_id,
           (select coalesce(sum(p.size_day), 0) from clusters p where p.cluster_id = c.cluster_id
             and p.partition_date between c.partition_date - 6 and c.partition_date) as size_7d,
           (select coalesce(sum(p.size_day), 0) from clusters p where p.cluster_id = c.cluster_id
             and p.partition_date between c.partition_date - 13 and c.partition_date - 7)
             as size_prev_7d,
           (select min(p.partition_date) from clusters p where p.cluster_id = c.cluster_id)
             as first_seen
    from clusters c where {{ in_window('c.partition_date') }}
),
examples as (
    select c.partition_date, c.cluster_id,
           string_agg(r.number || ': ' || coalesce(i.short_description, ''), ' | '
                      order by r.rank) as example_tickets
    from clusters c,
         unnest(string_split(c.representative_numbers, ', ')) with ordinality as r (number, rank)
    left join {{ ref('stg_incidents') }} i on i.number = r.number
    where {{ in_window('c.partition_date') }} and c.representative_numbers <> ''
    group by all
)
select c.partition_date, c.cluster_id, c.label, c.keywords as top_keywords, c.size_day,
       c.size_window, s.size_7d, s.size_prev_7d,
       s.size_7d - s.size_prev_7d as growth_7d,
       case when s.size_prev_7d > 0 then s.size_7d::double / s.size_prev_7d end as growth_ratio_7d,
       c.is_new, c.is_growing, s.first_seen, c.top_application, c.representative_numbers,
       e.example_tickets,
       rank() over (partition by c.partition_date order by s.size_7d desc, c.cluster_id asc)
         as rank_7d
from clusters c
inner join sizes s using (partition_date, cluster_id)
left join examples e using (partition_date, cluster_id)
where {{ in_window('c.partition_date') }}
