"""Shared plumbing: database base, accounts and roles, permissions, audit log, crypto, storage."""
