-- sqlite
SELECT rows.g0, rows.b, count(DISTINCT rows.p0) AS a0 
FROM (SELECT ((messages.created_at + CASE WHEN (messages.created_at < 1774746000000000) THEN 3600000000 ELSE 7200000000 END) / 86400000000 + 3) % 7 AS g0, CASE WHEN ((messages.created_at + CASE WHEN (messages.created_at < 1774746000000000) THEN 3600000000 ELSE 7200000000 END) / 86400000000 < 20485) THEN 0 WHEN ((messages.created_at + CASE WHEN (messages.created_at < 1774746000000000) THEN 3600000000 ELSE 7200000000 END) / 86400000000 < 20513) THEN 1 ELSE 2 END AS b, CASE WHEN messages.is_human_reply = 1 THEN messages.customer_id END AS p0 
FROM messages 
WHERE messages.account_id = 'acme' AND messages.created_at >= 1767222000000000 AND messages.created_at < 1774994400000000 AND messages.is_human_reply = 1) AS rows GROUP BY rows.g0, rows.b;

-- sqlite
SELECT rows.g0, rows.b, count(rows.p0) AS a0, count(rows.p1) AS a1, count(rows.p2) AS a2, count(DISTINCT rows.p3) AS a3 
FROM (SELECT ((ratings.created_at + CASE WHEN (ratings.created_at < 1774746000000000) THEN 3600000000 ELSE 7200000000 END) / 86400000000 + 3) % 7 AS g0, CASE WHEN ((ratings.created_at + CASE WHEN (ratings.created_at < 1774746000000000) THEN 3600000000 ELSE 7200000000 END) / 86400000000 < 20485) THEN 0 WHEN ((ratings.created_at + CASE WHEN (ratings.created_at < 1774746000000000) THEN 3600000000 ELSE 7200000000 END) / 86400000000 < 20513) THEN 1 ELSE 2 END AS b, CASE WHEN (ratings.survey = 'happiness') THEN 1 END AS p0, CASE WHEN (ratings.score = 3 AND ratings.survey = 'happiness') THEN 1 END AS p1, CASE WHEN (ratings.score = 1 AND ratings.survey = 'happiness') THEN 1 END AS p2, CASE WHEN (ratings.survey = 'happiness') THEN ratings.customer_id END AS p3 
FROM ratings 
WHERE ratings.account_id = 'acme' AND ratings.created_at >= 1767222000000000 AND ratings.created_at < 1774994400000000 AND ratings.survey = 'happiness') AS rows GROUP BY rows.g0, rows.b;

-- postgresql
SELECT rows.g0, rows.b, count(DISTINCT rows.p0) AS a0 
FROM (SELECT ((messages.created_at + CASE WHEN (messages.created_at < 1774746000000000) THEN 3600000000 ELSE 7200000000 END) / 86400000000 + 3) %% 7 AS g0, CASE WHEN ((messages.created_at + CASE WHEN (messages.created_at < 1774746000000000) THEN 3600000000 ELSE 7200000000 END) / 86400000000 < 20485) THEN 0 WHEN ((messages.created_at + CASE WHEN (messages.created_at < 1774746000000000) THEN 3600000000 ELSE 7200000000 END) / 86400000000 < 20513) THEN 1 ELSE 2 END AS b, CASE WHEN messages.is_human_reply THEN messages.customer_id END AS p0 
FROM messages 
WHERE messages.account_id = 'acme' AND messages.created_at >= 1767222000000000 AND messages.created_at < 1774994400000000 AND messages.is_human_reply) AS rows GROUP BY rows.g0, rows.b;

-- postgresql
SELECT rows.g0, rows.b, count(rows.p0) AS a0, count(rows.p1) AS a1, count(rows.p2) AS a2, count(DISTINCT rows.p3) AS a3 
FROM (SELECT ((ratings.created_at + CASE WHEN (ratings.created_at < 1774746000000000) THEN 3600000000 ELSE 7200000000 END) / 86400000000 + 3) %% 7 AS g0, CASE WHEN ((ratings.created_at + CASE WHEN (ratings.created_at < 1774746000000000) THEN 3600000000 ELSE 7200000000 END) / 86400000000 < 20485) THEN 0 WHEN ((ratings.created_at + CASE WHEN (ratings.created_at < 1774746000000000) THEN 3600000000 ELSE 7200000000 END) / 86400000000 < 20513) THEN 1 ELSE 2 END AS b, CASE WHEN (ratings.survey = 'happiness') THEN 1 END AS p0, CASE WHEN (ratings.score = 3 AND ratings.survey = 'happiness') THEN 1 END AS p1, CASE WHEN (ratings.score = 1 AND ratings.survey = 'happiness') THEN 1 END AS p2, CASE WHEN (ratings.survey = 'happiness') THEN ratings.customer_id END AS p3 
FROM ratings 
WHERE ratings.account_id = 'acme' AND ratings.created_at >= 1767222000000000 AND ratings.created_at < 1774994400000000 AND ratings.survey = 'happiness') AS rows GROUP BY rows.g0, rows.b;
