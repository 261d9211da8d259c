{#- Who is on a child protection plan on each as_at, one row per child, as reported and as restated.
    Open on d: start <= d and (end is null or end > d), so a plan ending on as_at is not open. A child
    with two open plans counts once, under the representative plan: the open plan with the latest
    start (then the later source row). -#}
with plans as (
    select * from {{ ref('int_plans_reported') }}
),

latest_start_first as (
    select
        *,
        row_number() over (
            partition by is_restated, la_code, as_at, child_id
            order by plan_start_date desc, source_row desc
        ) as latest_first
    from plans
    where is_open
),

final as (
    select
        is_restated,
        la_code,
        as_at,
        delivery_version_id,
        child_id,
        plan_start_date,
        latest_category
    from latest_start_first
    where latest_first = 1
)

select * from final
