-- Installed components per scan day; product names normalised as endoflife.date spells them.
select application, host, coalesce(environment, 'unknown') as environment,
       product as product_raw, lower(trim(product)) as product, trim(version) as version,
       discovered_at, partition_date
from {{ lake_source('raw_software_inventory') }}
