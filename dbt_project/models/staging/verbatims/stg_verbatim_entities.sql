-- Channels, products, agencies and problems named per answer (empty until the verbatim ML runs).
select response_id, entity_type, entity, sentiment, score_class, channel, partition_date
from {{ lake_source('verbatim_entities') }}
