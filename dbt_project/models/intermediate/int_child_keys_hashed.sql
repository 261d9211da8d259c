{#- The pseudonymous key of every child in each authority's newest accepted delivery (the periods
    of care lac_brief_episodes lists come from it): the only bridge from a source id to the key that
    marts publish. Built in the build schema, which analysts cannot read. Older deliveries' children
    are published only as counts, so they are not hashed again each week. -#}
with episodes as (
    select * from {{ ref('int_episodes_sequenced') }}
),

children as (
    select distinct la_code, child_id from episodes
),

final as (
    select
        la_code,
        child_id,
        {{ child_key('la_code', 'child_id') }} as child_key
    from children
)

select * from final
