{#- Looked-after children per authority, as_at and legal status: each child counted once, under
    the LS of their open episode with the latest start, so the rows of an as_at sum to
    lac_weekly.children_looked_after (and to children_looked_after_restated). -#}
with looked_after_children as (
    select * from {{ ref('int_looked_after_children_identified') }}
),

counted as (
    select
        la_code,
        as_at,
        legal_status,
        count(*) filter (where not is_restated) as children_looked_after,
        count(*) filter (where is_restated) as children_looked_after_restated
    from looked_after_children
    group by la_code, as_at, legal_status
),

final as (
    select * from counted
)

select * from final
