"""The metric engine: what plugins declare (facts, dimensions, metrics) and how reports run."""
