"""Performance measurements (scripts, not tests); see benchmarks/README.md."""
