"""Read YAML safely with source positions, and turn inventory files into the model."""
