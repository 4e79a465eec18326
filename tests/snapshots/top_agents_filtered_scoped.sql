-- sqlite
SELECT rows.g0, count(rows.p0) AS a0, count(rows.p1) AS a1 
FROM (SELECT ratings.user_id AS g0, CASE WHEN (ratings.survey = 'csat') THEN 1 END AS p0, CASE WHEN (ratings.score >= 4 AND ratings.survey = 'csat') THEN 1 END AS p1 
FROM ratings 
WHERE ratings.account_id = 'acme' AND ratings.inbox_id IN ('ib1', 'ib2') AND ratings.created_at >= 1772341200000000 AND ratings.created_at < 1775016000000000 AND ratings.channel IN ('chat', 'email') AND ratings.survey = 'csat') AS rows GROUP BY rows.g0 ORDER BY CASE WHEN (count(rows.p0) = 0) THEN NULL ELSE (count(rows.p1) * 100.0) / (count(rows.p0) + 0.0) END DESC NULLS LAST, rows.g0 ASC NULLS LAST
 LIMIT 20 OFFSET 0;

-- postgresql
SELECT rows.g0, count(rows.p0) AS a0, count(rows.p1) AS a1 
FROM (SELECT ratings.user_id AS g0, CASE WHEN (ratings.survey = 'csat') THEN 1 END AS p0, CASE WHEN (ratings.score >= 4 AND ratings.survey = 'csat') THEN 1 END AS p1 
FROM ratings 
WHERE ratings.account_id = 'acme' AND ratings.inbox_id IN ('ib1', 'ib2') AND ratings.created_at >= 1772341200000000 AND ratings.created_at < 1775016000000000 AND ratings.channel IN ('chat', 'email') AND ratings.survey = 'csat') AS rows GROUP BY rows.g0 ORDER BY CASE WHEN (count(rows.p0) = 0) THEN NULL ELSE (count(rows.p1) * 100.0) / CAST(count(rows.p0) AS NUMERIC) END DESC NULLS LAST, (rows.g0) COLLATE "C" ASC NULLS LAST 
 LIMIT 20;
