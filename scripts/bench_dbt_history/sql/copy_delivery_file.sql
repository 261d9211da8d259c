-- One file of a new delivery as CSV. Placeholders: columns (each raw column as "NAME", the file's own
-- name), rows (the file's *_rows.sql query over new_delivery.sql).
copy (select {columns} from ({rows}) as delivered order by source_row) to stdout with (format csv, header true)
