# Tests and benchmarks of branch/ (unit tests in tests/unit/branch/).
