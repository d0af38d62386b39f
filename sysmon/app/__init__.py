"""The application layer: configuration, the container that wires the hexagon, the CLI."""
