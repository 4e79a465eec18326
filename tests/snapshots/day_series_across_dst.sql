-- sqlite
SELECT rows.b, count(rows.p0) AS a0 
FROM (SELECT (ratings.created_at + CASE WHEN (ratings.created_at < 1772953200000000) THEN -18000000000 ELSE -14400000000 END) / 86400000000 - 20513 AS b, CASE WHEN (ratings.survey = 'csat') THEN 1 END AS p0 
FROM ratings 
WHERE ratings.account_id = 'acme' AND ratings.created_at >= 1772341200000000 AND ratings.created_at < 1775016000000000 AND ratings.survey = 'csat') AS rows GROUP BY rows.b;

-- postgresql
SELECT rows.b, count(rows.p0) AS a0 
FROM (SELECT (ratings.created_at + CASE WHEN (ratings.created_at < 1772953200000000) THEN -18000000000 ELSE -14400000000 END) / 86400000000 - 20513 AS b, CASE WHEN (ratings.survey = 'csat') THEN 1 END AS p0 
FROM ratings 
WHERE ratings.account_id = 'acme' AND ratings.created_at >= 1772341200000000 AND ratings.created_at < 1775016000000000 AND ratings.survey = 'csat') AS rows GROUP BY rows.b;
