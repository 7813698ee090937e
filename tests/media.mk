# Tests and benchmarks of media/ (unit tests in tests/unit/media/).
