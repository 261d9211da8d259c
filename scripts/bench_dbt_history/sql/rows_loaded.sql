-- Each generated version's rows_loaded: the rows raw holds of its files.
update ledger.delivery_versions as versions set rows_loaded = counted.row_count
from (select delivery_version_id, sum(row_count) as row_count from bench_gen.file_rows
      group by delivery_version_id) as counted
where counted.delivery_version_id = versions.delivery_version_id
