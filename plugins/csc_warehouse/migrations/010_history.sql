-- Issue 6: history, the schema dbt's history models build incrementally (dbt_project/models/history).
-- It holds figures per evaluation (a delivery version read at an as_at), kept between runs so that
-- a week's run computes only what it adds; the marts are rebuilt from it in `build`. Like `build`,
-- it is the transformer's, and analysts read the published tables instead.
create schema if not exists history;
grant all on schema history to csc_transformer;
revoke all on schema history from csc_analyst;
