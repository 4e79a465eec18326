"""`python -m server.ingest`: the child process that server.ingest.worker starts."""

from server.ingest.worker import serve

serve()
