"""Subcommands of ``kmstui``; each module exposes ``register(subparsers)``."""
