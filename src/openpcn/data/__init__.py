"""Reference data shipped with OpenPCN (read with importlib.resources)."""
