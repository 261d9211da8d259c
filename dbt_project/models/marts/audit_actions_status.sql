{#- Each audit action as at its authority's newest as_at: overdue when it is open and its due date is
    before as_at (an action due on as_at is not overdue yet; a done action never is). -#}
with actions as (
    select * from {{ ref('int_audit_actions_reported') }}
),

newest_as_at as (
    select * from {{ ref('int_newest_as_at_listed') }}
),

final as (
    select
        actions.la_code,
        actions.audit_theme,
        actions.audit_period,
        actions.action_id,
        actions.action,
        actions.lead,
        actions.due_date,
        actions.status,
        actions.done_date,
        actions.status = 'open' and actions.due_date < newest_as_at.as_at as overdue,
        newest_as_at.as_at
    from actions
    inner join newest_as_at on newest_as_at.la_code = actions.la_code
)

select * from final
