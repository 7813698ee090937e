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

# Fuzzing the parser and compiler. `make check` runs our deterministic driver
# briefly (tests/fuzz/dialplan_fuzz.sh; OUTPOST_FUZZ_ITERATIONS for longer);
# `make fuzz-dialplan [FUZZ_SECONDS=N]` builds the same target with clang's
# libFuzzer and ASan/UBSan and fuzzes for N seconds (default 60).
check_PROGRAMS += tests/fuzz/dialplan_fuzz_driver
tests_fuzz_dialplan_fuzz_driver_SOURCES = tests/fuzz/dialplan_fuzz.cpp tests/fuzz/dialplan_fuzz_driver.cpp
tests_fuzz_dialplan_fuzz_driver_LDADD = dialplan/libdialplan.a core/libcore.a $(OUTPOST_SYS_LIBS)
UNIT_TESTS += tests/fuzz/dialplan_fuzz.sh
EXTRA_DIST += tests/fuzz/dialplan_fuzz.sh $(wildcard $(srcdir)/tests/fuzz/dialplan_corpus/*.dialplan)

FUZZ_SECONDS ?= 60
DIALPLAN_FUZZ_FILES = $(filter %.cpp,$(dialplan_libdialplan_a_SOURCES)) \
	core/strings.cpp core/result.cpp core/clock.cpp tests/fuzz/dialplan_fuzz.cpp
fuzz-dialplan:
	$(MKDIR_P) tests/fuzz/dialplan_corpus_run
	clang++ -std=c++20 -g -O1 -fsanitize=fuzzer,address,undefined -I$(top_srcdir) -I$(top_builddir) \
	  $(addprefix $(top_srcdir)/,$(DIALPLAN_FUZZ_FILES)) -o tests/fuzz/dialplan_libfuzzer
	cp $(top_srcdir)/tests/fuzz/dialplan_corpus/*.dialplan $(top_srcdir)/etc/outpost/default.dialplan \
	  tests/fuzz/dialplan_corpus_run/
	tests/fuzz/dialplan_libfuzzer -max_total_time=$(FUZZ_SECONDS) -max_len=8192 -timeout=10 \
	  tests/fuzz/dialplan_corpus_run
.PHONY: fuzz-dialplan
CLEANFILES += tests/fuzz/dialplan_libfuzzer
