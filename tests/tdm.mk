# Tests and benchmarks of tdm/ (unit tests in tests/unit/tdm/).
