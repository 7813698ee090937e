# Tests and benchmarks of e911/ (unit tests in tests/unit/e911/).
