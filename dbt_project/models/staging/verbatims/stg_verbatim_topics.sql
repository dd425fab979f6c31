-- Verbatim topics per day (empty until the verbatim ML runs).
select topic_id, label, keywords, size_window, size_day, is_emerging, partition_date
from {{ lake_source('verbatim_topics') }}
