-- Release cycles with end of active support and end of life (a date, or the true/false flag).
select product || ':' || release_cycle as cycle_key, product, release_cycle, release_label,
       release_date, eoas_date, eoas_flag, eol_date, eol_flag, lts, latest, latest_release_date
from {{ ref('int_current_catalog') }}
