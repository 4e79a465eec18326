-- sqlite
SELECT rows.g0, CAST(sum(rows.p0) AS FLOAT) / (sum(rows.w0) + 0.0) AS a0 
FROM (SELECT rating_channel_months.channel AS g0, CASE WHEN (rating_channel_months.survey = 'ces') THEN rating_channel_months.score * rating_channel_months.n END AS p0, CASE WHEN (rating_channel_months.survey = 'ces') THEN rating_channel_months.n END AS w0 
FROM rating_channel_months 
WHERE rating_channel_months.account_id = 'acme' AND rating_channel_months.month >= 20513 AND rating_channel_months.month <= 20543 AND rating_channel_months.survey = 'ces') AS rows GROUP BY rows.g0;

-- postgresql
SELECT rows.g0, CAST(sum(rows.p0) AS FLOAT) / CAST(sum(rows.w0) AS NUMERIC) AS a0 
FROM (SELECT rating_channel_months.channel AS g0, CASE WHEN (rating_channel_months.survey = 'ces') THEN rating_channel_months.score * rating_channel_months.n END AS p0, CASE WHEN (rating_channel_months.survey = 'ces') THEN rating_channel_months.n END AS w0 
FROM rating_channel_months 
WHERE rating_channel_months.account_id = 'acme' AND rating_channel_months.month >= 20513 AND rating_channel_months.month <= 20543 AND rating_channel_months.survey = 'ces') AS rows GROUP BY rows.g0;
