"""The shared PostgreSQL database: its schema, and how a client's mutations are applied to it."""
