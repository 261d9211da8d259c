-- The plan rows of each delivery in the deliveries placeholder (a subquery of delivery_version_id,
-- la_code, extract_date, window_start), as its file holds them: the records started by the extract
-- date whose end the window reaches, an end after the extract date shown open. source_row is the
-- file line (the header is line 1).
select
    deliveries.delivery_version_id, deliveries.la_code,
    1 + row_number() over (partition by deliveries.delivery_version_id
                           order by plans.child_number, plans.plan_number) as source_row,
    plans.child as lachildid, plans.dob_text as personbirthdate, plans.sex, plans.ethnicity,
    plans.start_text as cppstartdate,
    case when plans.plan_end <= deliveries.extract_date then plans.end_text end as cppenddate,
    plans.initial_category as initialcategoryofabuse, plans.latest_category as latestcategoryofabuse,
    plans.previous_plans as numberofpreviouscpp
from {deliveries} as deliveries
join bench_gen.cp_plans as plans on plans.la_code = deliveries.la_code
where plans.plan_start <= deliveries.extract_date and plans.plan_end >= deliveries.window_start
