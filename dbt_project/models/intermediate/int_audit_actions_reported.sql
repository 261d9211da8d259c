{#- The actions each (authority, theme, audit period) reports: those of its newest accepted delivery
    holding actions for that audit (latest extract date, then the latest received). An action plan
    delivered again replaces the earlier one for its audit, and only that audit's. -#}
with delivery_versions as (
    select * from {{ ref('stg_ledger__delivery_versions') }}
),

actions as (
    select * from {{ ref('stg_audits__actions') }}
),

accepted_actions as (
    select
        actions.*,
        delivery_versions.extract_date,
        delivery_versions.received_at
    from actions
    inner join delivery_versions on delivery_versions.delivery_version_id = actions.delivery_version_id
    where delivery_versions.version_status = 'accepted'
),

deliveries_of_each_plan as (
    select distinct la_code, audit_theme, audit_period, delivery_version_id, extract_date, received_at
    from accepted_actions
),

newest_first as (
    select
        *,
        row_number() over (
            partition by la_code, audit_theme, audit_period
            order by extract_date desc, received_at desc, delivery_version_id desc
        ) as newest_first
    from deliveries_of_each_plan
),

final as (
    select
        accepted_actions.la_code,
        accepted_actions.audit_theme,
        accepted_actions.audit_period,
        accepted_actions.action_id,
        accepted_actions.delivery_version_id,
        accepted_actions.action,
        accepted_actions.lead,
        accepted_actions.due_date,
        accepted_actions.status,
        accepted_actions.done_date
    from accepted_actions
    inner join newest_first
        on newest_first.la_code = accepted_actions.la_code
        and newest_first.audit_theme = accepted_actions.audit_theme
        and newest_first.audit_period = accepted_actions.audit_period
        and newest_first.delivery_version_id = accepted_actions.delivery_version_id
    where newest_first.newest_first = 1
)

select * from final
