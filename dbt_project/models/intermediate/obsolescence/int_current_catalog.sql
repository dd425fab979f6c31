{{ config(materialized='table') }}
-- The newest catalog the lake holds: the release cycles every day's components are matched to.
-- A table, built once per run before the daily models (it scans every catalog day).
select * exclude (partition_date), partition_date as catalog_day
from {{ ref('stg_eol_catalog') }}
where partition_date = (select max(c.partition_date) from {{ ref('stg_eol_catalog') }} c)
