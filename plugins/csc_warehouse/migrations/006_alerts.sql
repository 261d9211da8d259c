-- The alert outbox: every alert the warehouse composes is kept with its delivery status, so a
-- mail server that is down loses nothing: the next run sends what is still undelivered.
create table dq.alerts (
    alert_id            bigint generated always as identity primary key,
    run_id              text,
    kind                text not null check (kind in ('run_summary', 'task_failed', 'missing_delivery')),
    subject             text not null,
    recipients          text not null,
    message             bytea not null,
    status              text not null default 'pending' check (status in ('pending', 'sent')),
    attempts            integer not null default 0,
    last_error          text,
    created_at          timestamptz not null default now(),
    sent_at             timestamptz
);
comment on table dq.alerts is
    'Every alert email, pending until the SMTP server accepts it. Messages carry pseudonymous keys only.';
create index on dq.alerts (status) where status = 'pending';

-- When each failure was first and last reported in full, so an unchanged failure on the same
-- records is not repeated in full every week.
create table dq.alert_fingerprints (
    fingerprint         text primary key,
    la_code             text,
    expectation         text not null,
    first_as_at         date,
    first_seen          timestamptz not null default now(),
    last_reported       timestamptz not null default now(),
    last_seen           timestamptz not null default now()
);

grant select on dq.alerts, dq.alert_fingerprints to csc_analyst;
grant select, insert, update on dq.alerts, dq.alert_fingerprints to csc_transformer;
