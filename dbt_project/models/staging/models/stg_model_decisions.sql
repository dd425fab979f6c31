-- Promotion-gate and rollback decisions of the model registry (empty until a model trains).
select decided_at, model, action, champion_before, challenger, champion_after, metric,
       champion_score, challenger_score, delta, delta_low, delta_high, reason, partition_date
from {{ lake_source('model_decisions') }}
