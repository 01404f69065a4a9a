"""Packaged data files (YAML): actors and tracked conflicts. Read via importlib.resources."""
