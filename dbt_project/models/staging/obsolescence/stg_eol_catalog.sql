-- endoflife.date release cycles as known on each day. endoflife.date writes `eol`/`eoas` as a
-- date, `true` (ended, date unknown) or `false` (not planned): the date, or else the flag.
select product, product_title, category, release_cycle, release_label, release_date,
       eoas_date, case when eoas_date is null then lower(eoas) = 'true' end as eoas_flag,
       eol_date, case when eol_date is null then lower(eol) = 'true' end as eol_flag,
       coalesce(lts, false) as lts, latest, latest_release_date, partition_date
from {{ lake_source('raw_eol_catalog') }}
