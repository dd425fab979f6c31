-- Per model and day: live precision, coverage, accuracy and class-share drift against the
-- labels known that day (late labels counted as they arrive), the champion's validation
-- figures beside them, and the registry decisions taken that day.
with figures as (
    select partition_date, model,
           max(version) as version,
           max(case when metric = 'live_precision' then value end) as live_precision,
           max(case when metric = 'live_precision' then reference end) as validation_precision,
           max(case when metric = 'live_precision' then n end) as answered_with_label,
           max(case when metric = 'coverage' then value end) as coverage,
           max(case when metric = 'coverage' then reference end) as validation_coverage,
           max(case when metric = 'live_accuracy' then value end) as live_accuracy,
           max(case when metric = 'live_accuracy' then reference end) as validation_accuracy,
           max(case when metric = 'labels_known_share' then value end) as labels_known_share,
           max(case when metric = 'class_share_drift' then value end) as class_share_drift,
           max(case when metric = 'outlier_share' then value end) as outlier_share,
           max(case when metric = 'interval_coverage_80' then value end) as interval_coverage_80,
           max(case when metric = 'mase' then value end) as mase
    from {{ ref('stg_model_monitoring') }}
    group by partition_date, model
),
decided as (
    select partition_date, model, count(*) as decisions,
           string_agg(action || ': ' || reason, ' | ' order by decided_at) as decision_notes
    from {{ ref('stg_model_decisions') }}
    group by partition_date, model
)
select f.*, coalesce(d.decisions, 0) as decisions, d.decision_notes
from figures f
left join decided d on d.partition_date = f.partition_date and d.model = f.model
