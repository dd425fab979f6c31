-- Incident root-cause clusters per day (empty until the ticket ML runs).
select cluster_id, label, keywords, size_window, size_day, representative_numbers,
       top_application, is_new, is_growing, partition_date
from {{ lake_source('root_cause_clusters') }}
