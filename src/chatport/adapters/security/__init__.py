"""Security adapters: password hashing (argon2id) and opaque random tokens."""
