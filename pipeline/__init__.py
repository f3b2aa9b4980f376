"""Embedding Radar's domain logic: plain Python, importable and testable without Prefect."""
