# Tests and benchmarks of dialplan/ (unit tests in tests/unit/dialplan/).
