{{ config(materialized='incremental', incremental_strategy='delete+insert',
          unique_key='partition_date', pre_hook="{{ delete_window() }}", tags=['daily']) }}
-- Per day and problem named in the verbatims: mentions, negative mentions, rank within the
-- day (1 = most mentioned) and mentions over the 7 days ending that day (read from the
-- 6 days before the window too, so a rerun of one day gives the same value).
with daily as (
    select partition_date, entity as problem, count(*) as mentions,
           count(*) filter (where sentiment = 'negative') as negative_mentions
    from {{ ref('stg_verbatim_entities') }}
    where entity_type = 'problem'
      and partition_date between date '{{ var("min_date") }}' - 6 and date '{{ var("max_date") }}'
    group by all
)
select partition_date, problem, mentions, negative_mentions,
       rank() over (partition by partition_date order by mentions desc) as rank_in_day,
       sum(mentions) over (partition by problem order by partition_date
                           range between interval 6 days preceding and current row) as mentions_7d
from daily
qualify {{ in_window() }}
