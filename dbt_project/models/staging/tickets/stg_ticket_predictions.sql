-- Predicted category and group per incident, last prediction kept (empty until the ML runs).
select number, predicted_category, category_confidence, predicted_subcategory,
       subcategory_confidence, predicted_assignment_group, needs_review, model_version,
       partition_date
from {{ lake_source('ticket_predictions') }}
qualify row_number() over (partition by number order by partition_date desc) = 1
