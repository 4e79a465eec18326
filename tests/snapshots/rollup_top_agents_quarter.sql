-- sqlite
SELECT rows.g0, coalesce(sum(rows.p0), 0) AS a0, coalesce(sum(rows.p1), 0) AS a1 
FROM (SELECT rating_user_quarters.user_id AS g0, CASE WHEN (rating_user_quarters.survey = 'csat') THEN rating_user_quarters.n END AS p0, CASE WHEN (rating_user_quarters.score >= 4 AND rating_user_quarters.survey = 'csat') THEN rating_user_quarters.n END AS p1 
FROM rating_user_quarters 
WHERE rating_user_quarters.account_id = 'acme' AND rating_user_quarters.quarter >= 20454 AND rating_user_quarters.quarter <= 20543 AND rating_user_quarters.survey = 'csat') AS rows GROUP BY rows.g0 ORDER BY a0 DESC NULLS LAST, rows.g0 ASC NULLS LAST
 LIMIT 20 OFFSET 0;

-- postgresql
SELECT rows.g0, coalesce(sum(rows.p0), 0) AS a0, coalesce(sum(rows.p1), 0) AS a1 
FROM (SELECT rating_user_quarters.user_id AS g0, CASE WHEN (rating_user_quarters.survey = 'csat') THEN rating_user_quarters.n END AS p0, CASE WHEN (rating_user_quarters.score >= 4 AND rating_user_quarters.survey = 'csat') THEN rating_user_quarters.n END AS p1 
FROM rating_user_quarters 
WHERE rating_user_quarters.account_id = 'acme' AND rating_user_quarters.quarter >= 20454 AND rating_user_quarters.quarter <= 20543 AND rating_user_quarters.survey = 'csat') AS rows GROUP BY rows.g0 ORDER BY a0 DESC NULLS LAST, (rows.g0) COLLATE "C" ASC NULLS LAST 
 LIMIT 20;
