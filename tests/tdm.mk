# Tests and benchmarks of tdm/ (unit tests in tests/unit/tdm/).
check_PROGRAMS += tests/unit/tdm_test
tests_unit_tdm_test_SOURCES = \
	tests/unit/tdm/main.cpp \
	tests/unit/tdm/capture_test.cpp \
	tests/unit/tdm/config_test.cpp \
	tests/unit/tdm/emulated_test.cpp \
	tests/unit/tdm/pri_calls_test.cpp \
	tests/unit/tdm/pri_flows_test.cpp \
	tests/unit/tdm/pri_hunting_test.cpp \
	tests/unit/tdm/span_test.cpp \
	tests/unit/tdm/system_conf_test.cpp
tests_unit_tdm_test_CPPFLAGS = $(TEST_CPPFLAGS)
tests_unit_tdm_test_LDADD = $(TEST_LDADD) tdm/libtdm.a core/libcore.a $(OUTPOST_SYS_LIBS)
UNIT_TESTS += tests/unit/tdm_test
EXTRA_DIST += tests/unit/tdm/pri_fixture.hpp

# DAHDI hardware: skipped (exit 77) where /dev/dahdi does not exist.
check_PROGRAMS += tests/unit/tdm_dahdi_test
tests_unit_tdm_dahdi_test_SOURCES = tests/unit/tdm/dahdi_hw_test.cpp
tests_unit_tdm_dahdi_test_CPPFLAGS = $(TEST_CPPFLAGS)
tests_unit_tdm_dahdi_test_LDADD = $(TEST_LDADD) tdm/libtdm.a core/libcore.a $(OUTPOST_SYS_LIBS)
UNIT_TESTS += tests/unit/tdm_dahdi_test

# pstn-sim as a process against a real PriStack.
check_PROGRAMS += tests/integration/pstn_sim_test
tests_integration_pstn_sim_test_SOURCES = tests/integration/pstn_sim_test.cpp
tests_integration_pstn_sim_test_CPPFLAGS = $(TEST_CPPFLAGS)
tests_integration_pstn_sim_test_LDADD = $(TEST_LDADD) tdm/libtdm.a media/libmedia.a core/libcore.a \
	$(OUTPOST_SYS_LIBS)
EXTRA_tests_integration_pstn_sim_test_DEPENDENCIES = pstn-sim$(EXEEXT)
INTEGRATION_TESTS += tests/integration/pstn_sim_test

# pstn-sim's rules file (tools/), on its own: no process, no sockets.
check_PROGRAMS += tests/unit/pstn_sim_rules_test
tests_unit_pstn_sim_rules_test_SOURCES = tests/unit/tdm/pstn_sim_rules_test.cpp \
	tools/pstn_sim_rules.cpp
tests_unit_pstn_sim_rules_test_CPPFLAGS = $(TEST_CPPFLAGS)
tests_unit_pstn_sim_rules_test_LDADD = $(TEST_LDADD) tdm/libtdm.a media/libmedia.a core/libcore.a \
	$(OUTPOST_SYS_LIBS)
UNIT_TESTS += tests/unit/pstn_sim_rules_test

# Benchmarks of tdm/ (make bench).
noinst_PROGRAMS += bench/tdm_pri_bench
bench_tdm_pri_bench_SOURCES = bench/tdm_pri_bench.cpp tests/support/process.cpp
bench_tdm_pri_bench_LDADD = tdm/libtdm.a core/libcore.a $(OUTPOST_SYS_LIBS)
BENCHMARKS += bench/tdm_pri_bench
noinst_PROGRAMS += bench/tdm_bearer_bench
bench_tdm_bearer_bench_SOURCES = bench/tdm_bearer_bench.cpp tests/support/process.cpp
bench_tdm_bearer_bench_LDADD = tdm/libtdm.a core/libcore.a $(OUTPOST_SYS_LIBS)
BENCHMARKS += bench/tdm_bearer_bench
