-- Per topic and ISO week to date, the summary of its verbatims (empty until the verbatim ML runs).
select topic_id, label, week, n_verbatims, summary, representative_ids, abstractive_summary,
       suggested_actions, summary_model, partition_date
from {{ lake_source('topic_summaries') }}
