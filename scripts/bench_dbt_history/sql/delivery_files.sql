-- Each delivery's three files in the ledger, accepted, with the rows raw holds of each.
-- Parameters: file_names, table_names (the same length: which raw table each file loads into).
insert into ledger.delivery_files (delivery_version_id, file_name, sheet, sha256, table_name, status,
                                   rows_read, rows_loaded, seconds)
select
    versions.delivery_version_id, files.file_name, '',
    encode(sha256(convert_to(versions.delivery_version_id || '/' || files.file_name, 'UTF8')), 'hex'),
    files.table_name, 'accepted', coalesce(counted.row_count, 0), coalesce(counted.row_count, 0), 1
from bench_gen.versions
cross join unnest(%(file_names)s::text[], %(table_names)s::text[]) as files (file_name, table_name)
left join bench_gen.file_rows as counted
    on counted.delivery_version_id = versions.delivery_version_id and counted.file_name = files.file_name
