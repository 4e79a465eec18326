"""GraphQL: record types, report assembly, pagination and per-request loaders."""
