"""Tokens and the Scope every query goes through."""
