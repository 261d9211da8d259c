-- Issue 17: the DfE's whole SSDA903 (and later CIN) rule sets on every delivery version, run by the
-- validators the children's-services data community maintains (csc-validator-be-903, -cin) in their
-- own environment (csc_warehouse.returns). Their findings are data: what to fix before the annual
-- return, week by week. They never change a version's status: the door stays structural, and only
-- the rules named in CSC_BLOCKING_RETURN_RULES may hold a version back from publication.
--
-- Both tables carry la_code, so csc_warehouse.access gives them the analysts' row security like every
-- dq table; both hold child keys, never ids, so `csc erase` deletes a child's rows by key, and
-- `csc purge` deletes a purged version's rows with its raw rows.

-- One row per delivery version and return validated: which ruleset ran and why, and how it went. A
-- version checked again (a rerun of the week) replaces its row and its findings in one transaction.
create table dq.return_checks (
    delivery_version_id bigint not null,
    la_code             text not null,
    return_type         text not null check (return_type in ('SSDA903', 'CIN')),
    extract_date        date not null,
    collection_year     integer not null,
    ruleset             text not null,
    ruleset_note        text,
    local_authority     text,
    rules_run           integer not null,
    rules_skipped       integer not null,
    rules_failed        text[] not null default '{}',
    findings            integer not null,
    rule_messages       jsonb not null default '{}',
    seconds             numeric(10, 3),
    checked_at          timestamptz not null default now(),
    primary key (delivery_version_id, return_type)
);
comment on table dq.return_checks is
    'Each delivery version a DfE return''s rules were run on: the collection year (the year ending on the '
    '31 March on or after the extract date), the ruleset run (ruleset_note says when it is not that year''s '
    'own, e.g. the earliest the validator has), the validator''s localAuthority (ONS code), rules run, '
    'skipped for tables the version lacks, and failed to run, and the findings written to dq.return_errors.';
comment on column dq.return_checks.rule_messages is
    'The ruleset''s message for each rule the version breaks, {"388": "Reason episode ceased is coded ..."}: '
    'reporting.return_readiness says what each rule means.';

-- One row per record a rule flags: the validator's own granularity, so that the records per rule
-- equal the library's own count (its Report.error_report) on the same files.
create table dq.return_errors (
    delivery_version_id bigint not null,
    la_code             text not null,
    return_type         text not null check (return_type in ('SSDA903', 'CIN')),
    ruleset             text not null,
    rule_code           text not null,
    table_name          text not null,
    source_file         text,
    row_number          bigint,
    child_key           text,
    affected_fields     text[] not null default '{}',
    foreign key (delivery_version_id, return_type) references dq.return_checks on delete cascade
);
comment on table dq.return_errors is
    'Records a DfE return rule flags in a delivery version as delivered: the raw table, the file and its '
    'row (raw.*.source_row: the line of a CSV, the <CHILD> element of an XML file), the child''s '
    'pseudonymous key and the fields the rule names.';
comment on column dq.return_errors.row_number is
    'The record''s row in the delivered file, as raw.<table_name>.source_row holds it.';
create index on dq.return_errors (delivery_version_id, return_type);
create index on dq.return_errors (la_code, rule_code);

grant select, insert, update, delete on dq.return_checks, dq.return_errors to csc_transformer;
