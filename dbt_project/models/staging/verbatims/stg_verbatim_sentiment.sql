-- Predicted sentiment per answer (empty until the verbatim ML runs).
select response_id, predicted_class, confidence, score_class, contradiction, model_version,
       partition_date
from {{ lake_source('verbatim_sentiment') }}
qualify row_number() over (partition by response_id order by partition_date desc) = 1
