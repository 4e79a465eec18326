"""Database: tables, engine creation and migrations."""
