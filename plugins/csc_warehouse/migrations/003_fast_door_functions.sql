-- The door's cleaning and parsing functions again, same rules, without regexp_match in a
-- sub-select: 001's parse_date cost 30 s per million dates because that form cannot be inlined.
-- Every function here is one plain SQL expression, so PostgreSQL inlines it into the load's
-- INSERT ... SELECT. Loading tries a cheaper form of the same rules first (see loading.py) and
-- falls back to these when a value is not in the common shape.

-- Strict date parsing: DD/MM/YYYY, D/M/YYYY or ISO YYYY-MM-DD (Excel date cells arrive as ISO,
-- sometimes with a midnight time), a real calendar date, and nothing else: no two-digit years,
-- no trailing text. Null when the text is not such a date. Whatever the session's DateStyle:
-- day-first text is rewritten as ISO before PostgreSQL reads it, and ISO reads the same under
-- every DateStyle. Stable rather than immutable only because text-to-date casts are.
create or replace function raw.parse_date(value text) returns date
language sql stable parallel safe as $$
    select case
        when btrim(value) ~ '^[0-9]{1,2}/[0-9]{1,2}/[0-9]{4}$' then (
            case when pg_input_is_valid(
                    split_part(btrim(value), '/', 3) || '-' || lpad(split_part(btrim(value), '/', 2), 2, '0')
                    || '-' || lpad(split_part(btrim(value), '/', 1), 2, '0'), 'date')
                then (split_part(btrim(value), '/', 3) || '-' || lpad(split_part(btrim(value), '/', 2), 2, '0')
                      || '-' || lpad(split_part(btrim(value), '/', 1), 2, '0'))::date
            end)
        when btrim(value) ~ '^[0-9]{4}-[0-9]{2}-[0-9]{2}([ T]00:00(:00(\.0+)?)?)?$' then (
            case when pg_input_is_valid(left(btrim(value), 10), 'date') then left(btrim(value), 10)::date end)
    end
$$;

-- Child ids are text; Excel turns 123456 into 123456.0. Trimmed, upper-cased, a trailing .0 dropped.
create or replace function raw.clean_id(value text) returns text
language sql immutable parallel safe as $$
    select nullif(upper(
        case when btrim(value) like '%0' and rtrim(btrim(value), '0') like '%.'
             then rtrim(rtrim(btrim(value), '0'), '.')
             else btrim(value)
        end), '')
$$;

-- Codes: upper case, without the spaces (and Excel's non-breaking spaces) people type into them.
create or replace function raw.clean_code(value text) returns text
language sql immutable parallel safe as $$
    select nullif(upper(translate(value, E' \t\r\n\u00a0', '')), '')
$$;

-- Loading's fast path calls this where a value fails a door check: the error abandons the fast
-- INSERT, and loading then finds every failing value (row, column, value, rule) the slow way.
create or replace function raw.reject_row(rule text) returns text
language plpgsql volatile as $$
begin
    raise exception 'door check failed: %', rule using errcode = 'P0001';
end
$$;
