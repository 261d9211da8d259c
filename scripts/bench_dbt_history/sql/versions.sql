-- The ledger rows of the history's deliveries, accepted as the door and the gate would leave them,
-- and bench_gen.versions, which delivery each is.
-- Parameters: landing, generated_by, weeks.
create table bench_gen.versions (
    delivery_version_id bigint primary key, la_code text, extract_date date, window_start date, week integer);
with inserted as (
    insert into ledger.delivery_versions (la_code, extract_date, sha256, folder, status, files, received_at,
                                          finished_at, seconds, checked_at, checked_by_run)
    select
        authorities.la_code, weeks.extract_date,
        encode(sha256(convert_to(authorities.la_code || '/' || weeks.extract_date || '/bench', 'UTF8')), 'hex'),
        %(landing)s || '/' || authorities.la_code || '/' || weeks.extract_date,
        'accepted', 3,
        -- arrived the morning of the extract date, loaded in a few seconds, checked by that week's run
        weeks.extract_date + time '07:00' + authorities.la_number %% 120 * interval '1 minute',
        weeks.extract_date + time '07:00' + authorities.la_number %% 120 * interval '1 minute' + interval '3 seconds',
        3, weeks.extract_date + time '10:30', %(generated_by)s
    from bench_gen.weeks cross join bench_gen.authorities
    where weeks.week < %(weeks)s
    order by weeks.extract_date, authorities.la_code
    returning delivery_version_id, la_code, extract_date
)
insert into bench_gen.versions
select inserted.*, weeks.window_start, weeks.week
from inserted join bench_gen.weeks using (extract_date)
