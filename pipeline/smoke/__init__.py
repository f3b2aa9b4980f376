"""Smoke tests: really download, load and embed the top models, safely isolated, and measure them.

Pieces, in the order a test runs: ``select`` (which models, within the size budgets), ``download``
(validated ids and file names, allow-patterns, security refusals), ``runner`` (a subprocess with wall-time
and memory limits) around ``worker`` (loads the model both ways and runs ``checks``), and ``execute``
(one model end to end). ``tiny_models`` builds the offline test repositories.
"""
