-- policy_finance_total(finance, on, what): one of a person's finance totals on a date, over the
-- current items of person.finance (period from <= on, and no period end or an end >= on):
-- 'income' and 'asset' sum the amounts of the items of that kind, 'vehicles' counts the asset
-- items of category vehicle, 'care_fee' sums the items of category care-fee; 0 when none match.
-- The policy input builder (server/src/modules/policy/inputs.ts, `finance`) sums up to two items
-- inline and calls this for a longer list. A function, not a correlated subquery: PARALLEL SAFE
-- (a correlated subquery kept whole batch runs on one core) and costed as the rare call it is.
CREATE OR REPLACE FUNCTION policy_finance_total(finance jsonb, on_date text, what text) RETURNS numeric
  LANGUAGE sql STABLE PARALLEL SAFE COST 1 AS $$
  SELECT coalesce(sum(CASE WHEN what = 'vehicles' THEN 1::numeric ELSE (x.v->>'amount')::numeric END), 0)
  FROM jsonb_array_elements(finance) AS x(v)
  WHERE (x.v->>'periodFrom') <= on_date AND (x.v->>'periodTo' IS NULL OR (x.v->>'periodTo') >= on_date)
    AND CASE what
      WHEN 'income' THEN x.v->>'kind' = 'income'
      WHEN 'asset' THEN x.v->>'kind' = 'asset'
      WHEN 'vehicles' THEN x.v->>'kind' = 'asset' AND x.v->>'category' = 'vehicle'
      WHEN 'care_fee' THEN x.v->>'category' = 'care-fee'
    END
$$;
