{#- Return readiness: the DfE rule set of each delivery's collection year run on the as_at's accepted
    delivery, one row per rule it breaks (data contract, reporting.return_readiness). The counting is
    return_figures' (history, built incrementally); this mart publishes it. -#}
with figures as (
    select * from {{ ref('return_figures') }}
),

final as (
    select
        la_code,
        as_at,
        return_type as return,
        rule_code,
        rule_message,
        records,
        children,
        new_children,
        resolved_children
    from figures
)

select * from final
