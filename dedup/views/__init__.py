"""Terminal views (rich): the only modules besides cli.py that import rich."""
