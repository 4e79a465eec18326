-- sqlite
SELECT count(rows.p0) AS a0, count(rows.p1) AS a1 
FROM (SELECT CASE WHEN (ratings.survey = 'csat') THEN 1 END AS p0, CASE WHEN (ratings.score >= 4 AND ratings.survey = 'csat') THEN 1 END AS p1 
FROM ratings 
WHERE ratings.account_id = 'acme' AND ratings.created_at >= 1772341200000000 AND ratings.created_at < 1775016000000000 AND ratings.survey = 'csat') AS rows;

-- sqlite
SELECT count(rows.p0) AS a0, count(rows.p1) AS a1, count(rows.p2) AS a2 
FROM (SELECT CASE WHEN (ratings.survey = 'nps') THEN 1 END AS p0, CASE WHEN (ratings.score >= 9 AND ratings.survey = 'nps') THEN 1 END AS p1, CASE WHEN (ratings.score <= 6 AND ratings.survey = 'nps') THEN 1 END AS p2 
FROM ratings 
WHERE ratings.account_id = 'acme' AND ratings.created_at >= 1772341200000000 AND ratings.created_at < 1775016000000000 AND ratings.survey = 'nps') AS rows;

-- postgresql
SELECT count(rows.p0) AS a0, count(rows.p1) AS a1 
FROM (SELECT CASE WHEN (ratings.survey = 'csat') THEN 1 END AS p0, CASE WHEN (ratings.score >= 4 AND ratings.survey = 'csat') THEN 1 END AS p1 
FROM ratings 
WHERE ratings.account_id = 'acme' AND ratings.created_at >= 1772341200000000 AND ratings.created_at < 1775016000000000 AND ratings.survey = 'csat') AS rows;

-- postgresql
SELECT count(rows.p0) AS a0, count(rows.p1) AS a1, count(rows.p2) AS a2 
FROM (SELECT CASE WHEN (ratings.survey = 'nps') THEN 1 END AS p0, CASE WHEN (ratings.score >= 9 AND ratings.survey = 'nps') THEN 1 END AS p1, CASE WHEN (ratings.score <= 6 AND ratings.survey = 'nps') THEN 1 END AS p2 
FROM ratings 
WHERE ratings.account_id = 'acme' AND ratings.created_at >= 1772341200000000 AND ratings.created_at < 1775016000000000 AND ratings.survey = 'nps') AS rows;
