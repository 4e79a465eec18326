"""Built-in plugins: packages declaring metrics or dimensions, registered like third-party ones."""
