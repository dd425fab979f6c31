{{ config(materialized='incremental', incremental_strategy='delete+insert',
          unique_key='partition_date', pre_hook="{{ delete_window() }}", tags=['daily']) }}
-- Per day, channel, agency and survey product: answers, mean score /10, NPS on the 10-point
-- answers (promoter share - detractor share, -1..1, score classes as in
-- assets/verbatims/common.py) and, once the verbatim model has run, the negative share of
-- the predicted class and the score/text contradictions.
with answers as (
    select v.*,
           case when v.score_scale = 10 and v.score >= 9 then 'promoter'
                when v.score_scale = 10 and v.score <= 6 then 'detractor'
                when v.score_scale = 10 then 'passive' end as nps_class
    from {{ ref('stg_verbatims') }} v
    where {{ in_window('v.partition_date') }}
)
select a.partition_date, a.channel, a.agency, a.product, count(*) as responses,
       avg(a.score_10) as avg_score_10,
       count(a.nps_class) as responses_10pt,
       avg(case when a.nps_class = 'promoter' then 1.0 when a.nps_class is not null then 0.0 end)
         as promoter_share,
       avg(case when a.nps_class = 'detractor' then 1.0 when a.nps_class is not null then 0.0 end)
         as detractor_share,
       promoter_share - detractor_share as nps,
       count(s.response_id) as responses_scored,
       avg(case when s.predicted_class = 'negative' then 1.0 when s.response_id is not null then 0.0 end)
         as negative_share,
       count(*) filter (where s.contradiction) as contradictions
from answers a
left join {{ ref('stg_verbatim_sentiment') }} s using (response_id)
group by all
