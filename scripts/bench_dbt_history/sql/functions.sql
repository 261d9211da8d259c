-- The scratch schema bench_gen, where the true history is made, and the functions its queries draw with.
drop schema if exists bench_gen cascade;
create schema bench_gen;
-- A uniform draw in [0, 1) from an id and a salt: the same every run, and different for every salt.
create function bench_gen.u(id bigint, salt integer) returns double precision
language sql immutable parallel safe
as $$ select ((hashint8extended(id, salt) >> 11) & 4503599627370495)::double precision / 4503599627370496 $$;
create function bench_gen.pick(choices text[], draw double precision) returns text
language sql immutable parallel safe as $$ select choices[1 + floor(draw * cardinality(choices))::integer] $$;
create function bench_gen.dmy(value date) returns text
language sql immutable parallel safe as $$ select to_char(value, 'DD/MM/YYYY') $$;
-- The first day of the window of a delivery extracted on `extract_date`: 1 April of the year before.
create function bench_gen.window_start(extract_date date) returns date
language sql immutable parallel safe as $$ select make_date(extract(year from extract_date)::integer - 1, 4, 1) $$;
-- The last extract date whose window still reaches `day`: 31 December of the year after the
-- collection year `day` falls in.
create function bench_gen.last_extract_reaching(reached date) returns date
language sql immutable parallel safe as $$
    select make_date(extract(year from reached)::integer
                     + (reached >= make_date(extract(year from reached)::integer, 4, 1))::integer + 1, 1, 1) - 1
$$;
-- Days an episode lasts, by its legal status: police protection ends within 72 hours (a few are
-- recorded longer), EPOs within 21 days (some longer), assessment orders within 7; short breaks are short.
create function bench_gen.episode_days(legal_status text, kind double precision, length double precision)
returns integer language sql immutable parallel safe as $$
    select (case
        when legal_status = 'L1' then case when kind < 0.03 then 4 + floor(length * 3) else floor(length * 4) end
        when legal_status = 'L2' then 1 + floor(length * 35)
        when legal_status = 'L3' then 1 + floor(length * 10)
        when legal_status in ('V3', 'V4') then 1 + floor(length * 21)
        when kind < 0.04 then floor(length * 4)
        when kind < 0.28 then 4 + floor(length * 87)
        when kind < 0.73 then 91 + floor(length * 450)
        else 541 + floor(length * 1260)
    end)::integer
$$;
create function bench_gen.plan_days(kind double precision, length double precision) returns integer
language sql immutable parallel safe as $$
    select (case
        when kind < 0.10 then 14 + floor(length * 77)
        when kind < 0.65 then 91 + floor(length * 275)
        when kind < 0.90 then 366 + floor(length * 364)
        else 730 + floor(length * 470)
    end)::integer
$$;
-- Days between two plans of a child: the same day (a replacement, not a repeat), within two years
-- (a repeat plan) or later.
create function bench_gen.days_between_plans(kind double precision, length double precision) returns integer
language sql immutable parallel safe as $$
    select (case when kind < 0.15 then 0 when kind < 0.55 then 30 + floor(length * 670)
                 else 731 + floor(length * 700) end)::integer
$$;
