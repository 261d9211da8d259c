-- The header rows of each delivery in the deliveries placeholder (a subquery of delivery_version_id,
-- la_code, extract_date, window_start), as its file holds them: the records started by the extract
-- date whose end the window reaches, an end after the extract date shown open. source_row is the
-- file line (the header is line 1).
select
    deliveries.delivery_version_id, deliveries.la_code,
    1 + row_number() over (partition by deliveries.delivery_version_id order by children.child_number) as source_row,
    children.child, children.sex, bench_gen.dmy(children.dob) as dob, children.ethnic,
    'A' || lpad((children.id %% 1000000000000)::text, 12, '0') as upn,
    case when children.sex = 'F' and deliveries.extract_date - children.dob > 4380
         then case when bench_gen.u(children.id, 50) < 0.04 then '1' else '0' end end as mother,
    null::text as mc_dob
from {deliveries} as deliveries
join bench_gen.lac_children as children on children.la_code = deliveries.la_code
where children.first_decom <= deliveries.extract_date and children.last_dec >= deliveries.window_start
