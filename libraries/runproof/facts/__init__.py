"""What the suite knows about itself and the backend's source before judging: the suite's model (tests, tags,
dependencies) and the backend's call graph."""
