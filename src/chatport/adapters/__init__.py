"""Adapters: the ports implemented with real technology (SQL engines, Redis, HTTP
clients), each named technology + role. Only the composition root builds them."""
