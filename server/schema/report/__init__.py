"""The Report API, assembled from the installed plugins once, at import.

One module per job:

- `filter`: `ReportFilter`, one argument per filterable dimension;
- `selection`: walking a report's GraphQL selection into the engine's queries;
- `request`: the per-request results every report node reads from;
- `metric_fields`: one field per installed metric, with its arguments;
- `types`: `Report`, `ReportGroup`, `ReportBucket` and their enums;
- `labels`: group labels, batched;
- `drilldown`: the ratings and conversations behind a number;
- `entities`: `User.report`, `Team.report`, `Inbox.report`, batched;
- `root`: `Query.report` and `Query.metricCatalog`.

Resolving `report` first plans the whole selection and runs its statements at once; the fields of
the types below only read those results.
"""
