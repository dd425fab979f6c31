-- The topic of each answer of the day (empty until the verbatim ML runs).
select response_id, topic_id, partition_date
from {{ lake_source('verbatim_topic_assignments') }}
