"""Use cases. Each takes ports in its constructor, returns domain objects and
raises domain errors; none knows HTTP, SQL or any driver."""
