{#- Each authority's newest as_at: the extract date of its newest accepted delivery, whatever the
    delivery held. The audit programme's and the actions' statuses are as at this date. -#}
with delivery_versions as (
    select * from {{ ref('stg_ledger__delivery_versions') }}
),

final as (
    select
        la_code,
        max(extract_date) as as_at
    from delivery_versions
    where version_status = 'accepted'
    group by la_code
)

select * from final
