{{ config(materialized='incremental', incremental_strategy='delete+insert',
          unique_key='partition_date', pre_hook="{{ delete_window() }}", tags=['daily']) }}
-- Per day and verbatim topic: size on the day and in the rolling window, emerging flag, the
-- negative share of the day's answers of the topic (predicted class) and the topic's summary
-- of the ISO week to that day (extractive; abstractive and actions when an LLM is set).
with sentiment as (
    select a.partition_date, a.topic_id, count(s.response_id) as responses_scored,
           avg(case when s.predicted_class = 'negative' then 1.0 when s.response_id is not null then 0.0 end)
             as negative_share
    from {{ ref('stg_verbatim_topic_assignments') }} a
    left join {{ ref('stg_verbatim_sentiment') }} s using (response_id)
    where {{ in_window('a.partition_date') }}
    group by all
)
select t.partition_date, t.topic_id, t.label, t.keywords, t.size_day, t.size_window,
       t.is_emerging, coalesce(n.responses_scored, 0) as responses_scored, n.negative_share,
       w.week, w.summary, w.abstractive_summary, w.suggested_actions
from {{ ref('stg_verbatim_topics') }} t
left join sentiment n on n.partition_date = t.partition_date and n.topic_id = t.topic_id
left join {{ ref('stg_topic_summaries') }} w
  on w.partition_date = t.partition_date and w.topic_id = t.topic_id
where {{ in_window('t.partition_date') }}
