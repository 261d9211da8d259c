-- Issue 15: the staging tests (dbt_project.yml, data_tests: staging) checked every authority's latest
-- accepted delivery in every weekly build, about 0.9 s of a 4 s weekly build at 5 million episodes,
-- though raw never changes a version's rows once loaded. They now check each authority's latest
-- accepted version until a build has passed them on it: the weekly build task
-- (csc_warehouse.staging_tests) records which run that was; a full refresh forgets it, and tests
-- every authority's latest again.
alter table ledger.delivery_versions add column staging_tests_passed_by_run text;
comment on column ledger.delivery_versions.staging_tests_passed_by_run is
    'The run whose dbt build passed the staging tests on this version; null until one has.';

-- The one definition of what the staging tests read (dbt_project.yml) and what a passing build records.
create view ledger.versions_awaiting_staging_tests as
select delivery_version_id
from ledger.delivery_versions
where
    staging_tests_passed_by_run is null
    and delivery_version_id in (
        select max(delivery_version_id) from ledger.delivery_versions where status = 'accepted' group by la_code
    );
comment on view ledger.versions_awaiting_staging_tests is
    'Each authority''s latest accepted delivery version, unless a build has passed the staging tests on it.';
grant select on ledger.versions_awaiting_staging_tests to csc_transformer;
