{#- The pseudonymous key of every child the SSDA903 tables have named, per authority: the only
    bridge from a source id to the key that marts publish. Built in the build schema, which
    analysts cannot read. -#}
with headers as (
    select * from {{ ref('stg_ssda903__header') }}
),

episodes as (
    select * from {{ ref('stg_ssda903__episodes') }}
),

children as (
    select la_code, child_id from headers
    union
    select la_code, child_id from episodes
),

final as (
    select
        la_code,
        child_id,
        {{ child_key('la_code', 'child_id') }} as child_key
    from children
)

select * from final
