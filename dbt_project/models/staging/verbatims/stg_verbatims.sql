-- Survey answers with the score on a 0-10 scale (5-point answers are rescaled).
select response_id, answered_at, score, score_scale,
       case when score_scale = 5 then score * 2.0 else score * 1.0 end as score_10,
       channel, agency, lower(trim(product)) as product, partition_date
from {{ lake_source('raw_verbatims') }}
