# Tests of core/.
check_PROGRAMS += tests/unit/core_test
tests_unit_core_test_SOURCES = \
	tests/unit/core/main.cpp \
	tests/unit/core/config_test.cpp \
	tests/unit/core/control_socket_test.cpp \
	tests/unit/core/event_loop_test.cpp \
	tests/unit/core/log_test.cpp \
	tests/unit/core/store_test.cpp
tests_unit_core_test_CPPFLAGS = $(TEST_CPPFLAGS)
tests_unit_core_test_LDADD = $(TEST_LDADD) core/libcore.a $(OUTPOST_SYS_LIBS)
UNIT_TESTS += tests/unit/core_test tests/layering_test.sh
EXTRA_DIST += tests/layering_test.sh


check_PROGRAMS += tests/tools/store-burst
tests_tools_store_burst_SOURCES = tests/tools/store_burst.cpp
tests_tools_store_burst_LDADD = core/libcore.a $(OUTPOST_SYS_LIBS)

check_PROGRAMS += tests/integration/store_crash_test
tests_integration_store_crash_test_SOURCES = tests/integration/store_crash_test.cpp
tests_integration_store_crash_test_CPPFLAGS = $(TEST_CPPFLAGS)
tests_integration_store_crash_test_LDADD = $(TEST_LDADD) core/libcore.a $(OUTPOST_SYS_LIBS)
INTEGRATION_TESTS += tests/integration/store_crash_test


# Benchmarks of core/ (make bench).
EXTRA_DIST += bench/bench.hpp  # shared by every benchmark
noinst_PROGRAMS += bench/store_bench
bench_store_bench_SOURCES = bench/store_bench.cpp tests/support/process.cpp
bench_store_bench_LDADD = core/libcore.a $(OUTPOST_SYS_LIBS)
BENCHMARKS += bench/store_bench
