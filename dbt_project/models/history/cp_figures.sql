{#- Child protection figures for each evaluation (a CP delivery version read at an as_at), kept between
    runs like lac_figures: only evaluations history lacks are computed, and unlisted ones are deleted
    after each run. Definitions as in the data contract: open on d = start <= d and (end is null or
    end > d); the week of as_at = as_at - 6 .. as_at; a child with two open plans counted once, under
    the representative plan (the open plan with the latest start, then the later source row); starts
    and ends counted as plans. on_plan_2y_plus counts children whose representative plan started on or
    before as_at minus 2 years; a repeat plan's child had another plan, in the same delivery, ending in
    the 730 days before its start (start - 730 <= end < start, a different start). -#}
{{ config(post_hook=["{{ forget_unlisted_evaluations('CP') }}", "{{ analyze_without_statistics() }}"]) }}

with evaluations as (
    {{ evaluations_to_compute('CP') }}
),

plans as (
    select * from {{ ref('stg_cin__cp_plans') }}
),

versions_to_compute as (
    select distinct delivery_version_id from evaluations
),

-- Only these versions' rows (in_versions says how they are found), typed once.
version_plans as materialized (
    select *
    from plans
    where delivery_version_id {{ in_versions('versions_to_compute') }}
),

-- Whether a plan repeats another is a fact of its delivery, not of the date it is read at: found once
-- per version, by a join on the child, rather than once per plan and date. A plan is its child and start
-- (the door allows one row per both), not its source row: a CIN census gives every plan of a child the
-- row of its <Child> element.
repeat_plans as (
    select distinct later.delivery_version_id, later.child_id, later.plan_start_date
    from version_plans as later
    inner join version_plans as earlier
        on earlier.delivery_version_id = later.delivery_version_id
        and earlier.child_id = later.child_id
        and earlier.plan_end_date >= later.plan_start_date - 730
        and earlier.plan_end_date < later.plan_start_date
        and earlier.plan_start_date <> later.plan_start_date
),

evaluated_plans as (
    select
        evaluations.as_at,
        version_plans.delivery_version_id,
        version_plans.child_id,
        version_plans.source_row,
        version_plans.plan_start_date,
        version_plans.plan_end_date,
        version_plans.latest_category,
        (
            version_plans.plan_start_date <= evaluations.as_at
            and (version_plans.plan_end_date is null or version_plans.plan_end_date > evaluations.as_at)
        ) as is_open,
        repeat_plans.child_id is not null as is_repeat
    from evaluations
    inner join version_plans on version_plans.delivery_version_id = evaluations.delivery_version_id
    left join repeat_plans
        on repeat_plans.delivery_version_id = version_plans.delivery_version_id
        and repeat_plans.child_id = version_plans.child_id
        and repeat_plans.plan_start_date = version_plans.plan_start_date
),

latest_start_first as (
    select
        *,
        row_number() over (
            partition by delivery_version_id, as_at, child_id
            order by plan_start_date desc, source_row desc
        ) as latest_first
    from evaluated_plans
    where is_open
),

children_on_plan as (
    select * from latest_start_first
    where latest_first = 1
),

on_plan as (
    select
        delivery_version_id,
        as_at,
        count(*) as children_on_plan,
        count(*) filter (where plan_start_date <= (as_at - interval '2 years')::date) as on_plan_2y_plus
    from children_on_plan
    group by delivery_version_id, as_at
),

plan_starts_in_week as (
    select *
    from evaluated_plans
    where plan_start_date between as_at - 6 and as_at
),

starts as (
    select
        delivery_version_id,
        as_at,
        count(*) as plan_starts,
        count(*) filter (where is_repeat) as repeat_plan_starts_2y
    from plan_starts_in_week
    group by delivery_version_id, as_at
),

ends as (
    select delivery_version_id, as_at, count(*) as plan_ends
    from evaluated_plans
    where plan_end_date between as_at - 6 and as_at
    group by delivery_version_id, as_at
),

category_counts as (
    select delivery_version_id, as_at, latest_category, count(*) as children
    from children_on_plan
    group by delivery_version_id, as_at, latest_category
),

by_latest_category as (
    select
        delivery_version_id,
        as_at,
        jsonb_agg(
            jsonb_build_object('latest_category', latest_category, 'children', children) order by latest_category
        ) as children_by_latest_category
    from category_counts
    group by delivery_version_id, as_at
),

final as (
    select
        evaluations.la_code,
        evaluations.as_at,
        evaluations.delivery_version_id,
        coalesce(on_plan.children_on_plan, 0) as children_on_plan,
        coalesce(starts.plan_starts, 0) as plan_starts,
        coalesce(ends.plan_ends, 0) as plan_ends,
        coalesce(on_plan.on_plan_2y_plus, 0) as on_plan_2y_plus,
        coalesce(starts.repeat_plan_starts_2y, 0) as repeat_plan_starts_2y,
        coalesce(by_latest_category.children_by_latest_category, '[]'::jsonb) as children_by_latest_category
    from evaluations
    left join on_plan
        on on_plan.delivery_version_id = evaluations.delivery_version_id
        and on_plan.as_at = evaluations.as_at
    left join starts
        on starts.delivery_version_id = evaluations.delivery_version_id
        and starts.as_at = evaluations.as_at
    left join ends
        on ends.delivery_version_id = evaluations.delivery_version_id
        and ends.as_at = evaluations.as_at
    left join by_latest_category
        on by_latest_category.delivery_version_id = evaluations.delivery_version_id
        and by_latest_category.as_at = evaluations.as_at
)

select * from final
