-- One file's rows of a week's deliveries into its raw table, with the provenance columns loading fills.
-- Placeholders: table, columns (the file's, in raw), rows (the file's *_rows.sql query).
-- Parameters: file (its source_file) and those of the rows query.
insert into raw.{table} (delivery_version_id, la_code, source_file, source_row, {columns})
select delivery_version_id, la_code, %(file)s, source_row, {columns}
from ({rows}) as delivered
order by delivery_version_id, source_row
