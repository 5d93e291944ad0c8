"""Maintainers' tools: not installed with givefirst."""
