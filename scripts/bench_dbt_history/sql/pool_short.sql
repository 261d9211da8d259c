-- How many authorities the drawn pool of children gives fewer rows than their share of the target.
-- Placeholders: records (the children's records in bench_gen), target (the authorities column).
select count(*)
from bench_gen.authorities as authorities
left join (select la_code, sum(deliveries) as deliveries from bench_gen.{records} group by la_code) as made
    using (la_code)
where coalesce(made.deliveries, 0) < authorities.{target}
