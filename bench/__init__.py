"""Benchmarks of chatport: ``make bench`` (``python -m bench``)."""
