{#- Children looked after on as_at (as reported) whose 18th birthday falls after as_at and no later
    than the end of the fifth calendar month after as_at's month, by the month of the birthday.
    29 February births turn 18 on 1 March. Months with no one have no row. Counted in
    history.lac_figures, for the as_at's own version. -#}
with evaluations as (
    select * from {{ ref('int_evaluations_listed') }}
    where figures = 'LAC' and not is_restated
),

figures as (
    select * from {{ ref('lac_figures') }}
),

final as (
    select
        evaluations.la_code,
        evaluations.as_at,
        months.month_turning_18,
        months.children
    from evaluations
    inner join figures
        on figures.delivery_version_id = evaluations.delivery_version_id
        and figures.as_at = evaluations.as_at
    cross join lateral jsonb_to_recordset(figures.children_by_month_turning_18)
        as months (month_turning_18 date, children bigint)
)

select * from final
