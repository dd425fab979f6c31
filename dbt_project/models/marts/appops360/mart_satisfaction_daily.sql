{{ config(materialized='incremental', incremental_strategy='delete+insert',
          unique_key='partition_date', pre_hook="{{ delete_window() }}", tags=['daily']) }}
-- Per survey product and day: answers, mean score /10, NPS-style shares and, once the
-- verbatim model has run, the share of negative answers and of score/text contradictions.
select v.partition_date, v.product, count(*) as responses, avg(v.score_10) as avg_score_10,
       avg(case when v.score_10 >= 9 then 1.0 else 0.0 end)
         - avg(case when v.score_10 <= 6 then 1.0 else 0.0 end) as nps,
       count(s.response_id) as responses_scored,
       avg(case when s.predicted_class = 'negative' then 1.0 when s.response_id is not null then 0.0 end)
         as negative_share,
       count(*) filter (where s.contradiction) as contradictions
from {{ ref('stg_verbatims') }} v
left join {{ ref('stg_verbatim_sentiment') }} s using (response_id)
where {{ in_window('v.partition_date') }}
group by all
