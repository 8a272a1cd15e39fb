"""The real-world Dockerfile set and what the precision benchmark needs to read it, lint it with
dfanalyze and hadolint, and match hand labels to findings (see ``benchmarks/precision.py``)."""
