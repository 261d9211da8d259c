{#- The audit answers each (authority, theme, audit period) reports: those of its newest accepted
    delivery holding answers for that theme and period (latest extract date, then the latest
    received). An audit delivered again replaces the earlier answers for its theme and period, and
    only those. audit_period is the first day of audit_date's month. -#}
with delivery_versions as (
    select * from {{ ref('stg_ledger__delivery_versions') }}
),

answers as (
    select * from {{ ref('stg_audits__answers') }}
),

accepted_answers as (
    select
        answers.*,
        date_trunc('month', answers.audit_date)::date as audit_period,
        delivery_versions.extract_date,
        delivery_versions.received_at
    from answers
    inner join delivery_versions on delivery_versions.delivery_version_id = answers.delivery_version_id
    where delivery_versions.version_status = 'accepted'
),

newest_deliveries as (
    {{ newest_delivery_of_each_audit('accepted_answers') }}
),

final as (
    select
        accepted_answers.la_code,
        accepted_answers.audit_theme,
        accepted_answers.audit_period,
        accepted_answers.delivery_version_id,
        accepted_answers.source_row,
        accepted_answers.case_ref,
        accepted_answers.agency,
        accepted_answers.audit_date,
        accepted_answers.question_id,
        accepted_answers.question_text,
        accepted_answers.answer
    from accepted_answers
    inner join newest_deliveries
        on newest_deliveries.la_code = accepted_answers.la_code
        and newest_deliveries.audit_theme = accepted_answers.audit_theme
        and newest_deliveries.audit_period = accepted_answers.audit_period
        and newest_deliveries.delivery_version_id = accepted_answers.delivery_version_id
)

select * from final
