-- sqlite
SELECT rows.b, coalesce(sum(rows.p0), 0) AS a0, coalesce(sum(rows.p1), 0) AS a1, sum(rows.p2) AS a2 
FROM (SELECT rating_days.day - 20517 AS b, CASE WHEN (rating_days.survey = 'csat') THEN rating_days.n END AS p0, CASE WHEN (rating_days.score >= 4 AND rating_days.survey = 'csat') THEN rating_days.n END AS p1, CASE WHEN (rating_days.survey = 'csat') THEN rating_days.score * rating_days.n END AS p2 
FROM rating_days 
WHERE rating_days.account_id = 'acme' AND rating_days.inbox_id IN ('ib1', 'ib2') AND rating_days.day >= 20517 AND rating_days.day <= 20532 AND rating_days.survey = 'csat') AS rows GROUP BY rows.b;

-- postgresql
SELECT rows.b, coalesce(sum(rows.p0), 0) AS a0, coalesce(sum(rows.p1), 0) AS a1, sum(rows.p2) AS a2 
FROM (SELECT rating_days.day - 20517 AS b, CASE WHEN (rating_days.survey = 'csat') THEN rating_days.n END AS p0, CASE WHEN (rating_days.score >= 4 AND rating_days.survey = 'csat') THEN rating_days.n END AS p1, CASE WHEN (rating_days.survey = 'csat') THEN rating_days.score * rating_days.n END AS p2 
FROM rating_days 
WHERE rating_days.account_id = 'acme' AND rating_days.inbox_id IN ('ib1', 'ib2') AND rating_days.day >= 20517 AND rating_days.day <= 20532 AND rating_days.survey = 'csat') AS rows GROUP BY rows.b;
