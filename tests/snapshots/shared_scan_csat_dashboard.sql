-- postgresql
SELECT rows.g0, rows.g1, rows.g2, grouping(rows.g0, rows.g1, rows.g2) AS gid, count(rows.p0) AS a0, count(rows.p1) AS a1 
FROM (SELECT (ratings.created_at + CASE WHEN (ratings.created_at < 1772953200000000) THEN -18000000000 ELSE -14400000000 END) / 86400000000 - 20513 AS g0, ratings.channel AS g1, ratings.user_id AS g2, CASE WHEN (ratings.survey = 'csat') THEN 1 END AS p0, CASE WHEN (ratings.score >= 4 AND ratings.survey = 'csat') THEN 1 END AS p1 
FROM ratings 
WHERE ratings.account_id = 'acme' AND ratings.inbox_id IN ('ib1', 'ib2') AND ratings.created_at >= 1772341200000000 AND ratings.created_at < 1775016000000000 AND ratings.channel IN ('chat', 'email') AND ratings.survey = 'csat') AS rows GROUP BY GROUPING SETS((), (rows.g0), (rows.g1), (rows.g2));
