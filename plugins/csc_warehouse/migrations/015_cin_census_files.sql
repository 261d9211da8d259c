-- Issue 17, the CIN half: the DfE's CIN rules read a census whole (referrals, assessments, section 47s,
-- plans, reviews), where the door reads only its child protection plans into raw.cin_cp_plans. So the
-- door also keeps each CIN census XML it accepts exactly as delivered, in the same transaction as the
-- version's other raw rows: csc_warehouse.returns.cin runs the rules on these bytes.
--
-- Like every raw table: analysts never read it (they have no usage on raw), the loader inserts, the
-- transformer reads; `csc purge` deletes a purged version's rows from every raw table holding
-- delivery_version_id, this one too. It has no child id column: `csc erase` rewrites each census of the
-- authority without the erased child's <Child> element (csc_warehouse.retention), and the file's size
-- and sha256 then describe what raw keeps, no longer what arrived (ledger.delivery_files keeps that hash).
create table raw.cin_census_files (
    delivery_version_id bigint not null,
    la_code             text not null,
    source_file         text not null,
    census              bytea not null,
    size_bytes          bigint not null,
    sha256              text not null,
    primary key (delivery_version_id, source_file)
);
comment on table raw.cin_census_files is
    'Each CIN census XML a delivery version held, its bytes as delivered (less any child erased since), '
    'for the DfE''s CIN rules (dq.return_checks, return_type CIN).';
comment on column raw.cin_census_files.sha256 is
    'The sha256 of `census` as kept: the delivered file''s, until an erasure rewrites it.';

grant select, insert on raw.cin_census_files to csc_loader;
grant select on raw.cin_census_files to csc_transformer;

-- A CIN rule may flag the return as a whole (the validator's return-level rules, e.g. 2887Q: fewer than
-- 8 disability codes used), not a record of any table: its finding has no table, row or child.
alter table dq.return_errors alter column table_name drop not null;
comment on column dq.return_errors.table_name is
    'The table of the flagged record: the raw table of an SSDA903 record (ssda903_episodes, ...), the '
    'CIN validator''s table of a census record (CINdetails, Section47, Header, ...); null for a rule about '
    'the return as a whole.';
comment on column dq.return_errors.row_number is
    'The record''s row in the delivered file: raw.<table_name>.source_row of an SSDA903 record (the line of '
    'a CSV, the <CHILD> element of an XML file), the position of the child''s <Child> element in a CIN '
    'census (1-based). Null for the census header and return-level rules.';
comment on column dq.return_checks.local_authority is
    'The SSDA903 validator''s localAuthority: the authority''s ONS upper-tier code. Null for CIN: its '
    'validator takes the authority from the census header (LEA), and no rule reads it.';
