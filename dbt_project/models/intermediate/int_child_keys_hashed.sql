{#- The pseudonymous key of every child with a flagged period of care in their authority's newest
    delivery: the only bridge from a source id to the key that marts publish (lac_brief_episodes is
    the one mart that lists children). Built in the build schema, which analysts cannot read. Only
    the children published are hashed, a few hundred a week, not every child of every delivery. -#}
with flagged_periods as (
    select * from {{ ref('int_periods_of_care_flagged') }}
),

children as (
    select distinct la_code, child_id from flagged_periods
),

final as (
    select
        la_code,
        child_id,
        {{ child_key('la_code', 'child_id') }} as child_key
    from children
)

select * from final
