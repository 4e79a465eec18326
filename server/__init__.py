"""Rapport: a GraphQL reporting backend for customer-support teams."""
