{#- Children on a child protection plan per authority, as_at and latest category of abuse: each
    child counted once, under the latest category of their representative plan (the open plan with
    the latest start), so the rows of an as_at sum to cp_weekly.children_on_plan (and the restated
    column to children_on_plan_restated). A plan with no latest category counts under null. Both
    bases are evaluations in history.cp_figures: the as_at's own CP version, and the authority's
    newest one. -#}
with evaluations as (
    select * from {{ ref('int_evaluations_listed') }}
    where figures = 'CP'
),

figures as (
    select * from {{ ref('cp_figures') }}
),

category_counts as (
    select
        evaluations.la_code,
        evaluations.as_at,
        evaluations.is_restated,
        counts.latest_category,
        counts.children
    from evaluations
    inner join figures
        on figures.delivery_version_id = evaluations.delivery_version_id
        and figures.as_at = evaluations.as_at
    cross join lateral jsonb_to_recordset(figures.children_by_latest_category)
        as counts (latest_category text, children bigint)
),

final as (
    select
        la_code,
        as_at,
        latest_category,
        coalesce(sum(children) filter (where not is_restated), 0)::bigint as children_on_plan,
        coalesce(sum(children) filter (where is_restated), 0)::bigint as children_on_plan_restated
    from category_counts
    group by la_code, as_at, latest_category
)

select * from final
