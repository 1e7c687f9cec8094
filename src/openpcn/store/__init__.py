"""The warehouse: table definitions and the engine-neutral (Ibis) connection."""
