"""Record types of SPEC 6.3 (Conversation, Rating, User, …), their lists and the root fields.

Every nested field goes through a per-request loader (server.schema.loaders), so a query costs one
statement per level, whatever the number of rows. An id the Scope does not see (another account's,
or an inbox the token lacks) reads exactly as an id that does not exist: null, or absent from lists.

- `enums`: the records' enums; `plain`: records without lists of their own;
- `lists`: the visible rows of a list, in order (keyset-paginated by server.schema.pagination);
- `types`: records with relations, and the pages of ratings and conversations that other parts
  of the schema (report drill-downs) list with extra conditions;
- `entity_report`: `report(filter)` of a User, Team or Inbox; `root`: the root record fields.
"""
