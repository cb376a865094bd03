"""The domain: entities, value objects and rules, in plain Python (stdlib and msgspec)."""
