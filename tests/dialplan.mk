# Tests and benchmarks of dialplan/ (unit tests in tests/unit/dialplan/).
check_PROGRAMS += tests/unit/dialplan_test
tests_unit_dialplan_test_SOURCES = \
	tests/unit/dialplan/main.cpp \
	tests/unit/dialplan/helpers.hpp \
	tests/unit/dialplan/cos_time_test.cpp \
	tests/unit/dialplan/emergency_test.cpp \
	tests/unit/dialplan/errors_test.cpp \
	tests/unit/dialplan/language_test.cpp \
	tests/unit/dialplan/lint_test.cpp \
	tests/unit/dialplan/pattern_test.cpp \
	tests/unit/dialplan/plan_test.cpp \
	tests/unit/dialplan/table_test.cpp
tests_unit_dialplan_test_CPPFLAGS = $(TEST_CPPFLAGS)
tests_unit_dialplan_test_LDADD = $(TEST_LDADD) dialplan/libdialplan.a core/libcore.a $(OUTPOST_SYS_LIBS)
UNIT_TESTS += tests/unit/dialplan_test

# outpostctl dialplan (offline) and the daemon's dial plan commands, as processes.
check_PROGRAMS += tests/integration/dialplan_cli_test
tests_integration_dialplan_cli_test_SOURCES = tests/integration/dialplan_cli_test.cpp
tests_integration_dialplan_cli_test_CPPFLAGS = $(TEST_CPPFLAGS)
tests_integration_dialplan_cli_test_LDADD = $(TEST_LDADD) core/libcore.a $(OUTPOST_SYS_LIBS)
EXTRA_tests_integration_dialplan_cli_test_DEPENDENCIES = outpostd$(EXEEXT) outpostctl$(EXEEXT)
INTEGRATION_TESTS += tests/integration/dialplan_cli_test

# Benchmarks of dialplan/ (make bench): tables of 1k, 100k and 1M prefix
# routes and plans of 1k and 100k rules, each beside a linear scan.
noinst_PROGRAMS += bench/dialplan_bench
bench_dialplan_bench_SOURCES = bench/dialplan_bench.cpp
bench_dialplan_bench_LDADD = dialplan/libdialplan.a core/libcore.a $(OUTPOST_SYS_LIBS)
BENCHMARKS += bench/dialplan_bench
