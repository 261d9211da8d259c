{#- Working days, as the contract defines them: Monday to Friday except England's bank holidays (the
    seed bank_holidays_england, the `holidays` package's calendar), and the working days from d1 to d2
    are the working days w with d1 < w <= d2 (the same day: 0). Their one home, in two parts:

    working_day_numbers() is the body of a CTE numbering each day of the calendar (the whole years the
    seed covers) by the working days from the calendar's first day up to and including it. The working
    days from d1 to d2 are then d2's number minus d1's (working_days_between, over the CTE joined once
    as each day): an equality join per date, where counting the days of each span would scan the
    calendar once per span. A day outside the calendar has no number, so a span reaching it counts null
    working days, never within a timescale. -#}
{% macro working_day_numbers() -%}
    select
        calendar.day::date as calendar_date,
        count(*) filter (
            where extract(isodow from calendar.day) < 6 and bank_holidays.holiday_date is null
        ) over (order by calendar.day rows between unbounded preceding and current row) as working_day_number
    from (
        select
            date_trunc('year', min(holiday_date)) as first_day,
            date_trunc('year', max(holiday_date)) + interval '1 year - 1 day' as last_day
        from {{ ref('bank_holidays_england') }}
    ) as span
    cross join lateral generate_series(span.first_day, span.last_day, interval '1 day') as calendar (day)
    left join {{ ref('bank_holidays_england') }} as bank_holidays on bank_holidays.holiday_date = calendar.day
{%- endmacro %}

{#- The working days from the day joined as `from_day` to the day joined as `to_day`, both rows of the
    working_day_numbers() CTE. -#}
{% macro working_days_between(from_day, to_day) -%}
    {{ to_day }}.working_day_number - {{ from_day }}.working_day_number
{%- endmacro %}
