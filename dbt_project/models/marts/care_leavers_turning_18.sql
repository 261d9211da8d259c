{#- Children looked after on as_at (as reported) whose 18th birthday falls after as_at and no later
    than the end of the fifth calendar month after as_at's month, by the month of the birthday.
    29 February births turn 18 on 1 March. Months with no one have no row. -#}
with looked_after_children as (
    select * from {{ ref('int_looked_after_children_identified') }}
    where not is_restated
),

birthdays as (
    select
        la_code,
        as_at,
        case
            when extract(month from birth_date) = 2 and extract(day from birth_date) = 29
            then make_date(extract(year from birth_date)::int + 18, 3, 1)
            else (birth_date + interval '18 years')::date
        end as eighteenth_birthday,
        (date_trunc('month', as_at) + interval '6 months' - interval '1 day')::date as window_end_date
    from looked_after_children
    where birth_date is not null
),

turning_18 as (
    select
        la_code,
        as_at,
        date_trunc('month', eighteenth_birthday)::date as month_turning_18
    from birthdays
    where eighteenth_birthday > as_at
        and eighteenth_birthday <= window_end_date
),

final as (
    select
        la_code,
        as_at,
        month_turning_18,
        count(*) as children
    from turning_18
    group by la_code, as_at, month_turning_18
)

select * from final
