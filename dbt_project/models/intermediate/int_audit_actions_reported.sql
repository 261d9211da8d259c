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

newest_deliveries as (
    {{ newest_delivery_of_each_audit('accepted_actions') }}
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
    inner join newest_deliveries
        on newest_deliveries.la_code = accepted_actions.la_code
        and newest_deliveries.audit_theme = accepted_actions.audit_theme
        and newest_deliveries.audit_period = accepted_actions.audit_period
        and newest_deliveries.delivery_version_id = accepted_actions.delivery_version_id
)

select * from final
