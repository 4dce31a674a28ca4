"""Pure data types: inventory, knowledge base, findings. No I/O, no YAML."""
