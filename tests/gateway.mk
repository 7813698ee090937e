# Tests of gateway/ (outpostd and outpostctl as processes).
check_PROGRAMS += tests/integration/daemon_test
tests_integration_daemon_test_SOURCES = tests/integration/daemon_test.cpp
tests_integration_daemon_test_CPPFLAGS = $(TEST_CPPFLAGS)
tests_integration_daemon_test_LDADD = tests/libsipptest.a $(TEST_LDADD) core/libcore.a $(OUTPOST_SYS_LIBS)
EXTRA_tests_integration_daemon_test_DEPENDENCIES = outpostd$(EXEEXT) outpostctl$(EXEEXT)
INTEGRATION_TESTS += tests/integration/daemon_test

check_LIBRARIES += tests/libsipptest.a
tests_libsipptest_a_SOURCES = tests/support/sipp.cpp tests/support/sipp.hpp
EXTRA_DIST += $(wildcard $(srcdir)/tests/sipp/*.xml) $(wildcard $(srcdir)/tests/sipp/*.xml.in)

check_PROGRAMS += tests/integration/sip_agent_test
tests_integration_sip_agent_test_SOURCES = tests/integration/sip_agent_test.cpp
tests_integration_sip_agent_test_CPPFLAGS = $(TEST_CPPFLAGS)
tests_integration_sip_agent_test_LDADD = tests/libsipptest.a $(TEST_LDADD) gateway/libgateway.a \
	media/libmedia.a core/libcore.a $(OUTPOST_SYS_LIBS)
INTEGRATION_TESTS += tests/integration/sip_agent_test

check_PROGRAMS += tests/unit/gateway_test
tests_unit_gateway_test_SOURCES = \
	tests/unit/gateway/main.cpp \
	tests/unit/gateway/cause_map_test.cpp \
	tests/unit/gateway/load_monitor_test.cpp \
	tests/unit/gateway/sdp_test.cpp
tests_unit_gateway_test_CPPFLAGS = $(TEST_CPPFLAGS)
tests_unit_gateway_test_LDADD = $(TEST_LDADD) gateway/libgateway.a media/libmedia.a core/libcore.a \
	$(OUTPOST_SYS_LIBS)
UNIT_TESTS += tests/unit/gateway_test

check_LIBRARIES += tests/libgatewaytest.a
tests_libgatewaytest_a_SOURCES = tests/support/gateway.cpp tests/support/gateway.hpp

GATEWAY_TEST_DEPS = outpostd$(EXEEXT) outpostctl$(EXEEXT) pstn-sim$(EXEEXT) tests/tools/rtp-tool$(EXEEXT)
check_PROGRAMS += tests/integration/gateway_calls_test
tests_integration_gateway_calls_test_SOURCES = tests/integration/gateway_calls_test.cpp
tests_integration_gateway_calls_test_CPPFLAGS = $(TEST_CPPFLAGS)
tests_integration_gateway_calls_test_LDADD = tests/libgatewaytest.a tests/libsipptest.a $(TEST_LDADD) \
	core/libcore.a $(OUTPOST_SYS_LIBS)
EXTRA_tests_integration_gateway_calls_test_DEPENDENCIES = $(GATEWAY_TEST_DEPS)
INTEGRATION_TESTS += tests/integration/gateway_calls_test

# make run's demo, end to end, in a network namespace.
INTEGRATION_TESTS += tests/demo_test.sh
EXTRA_DIST += tests/demo_test.sh

# The whole gateway under load (make bench): calls per second, overload,
# added delay. Built only for make bench.
EXTRA_PROGRAMS += bench/gateway_bench
bench_gateway_bench_SOURCES = bench/gateway_bench.cpp tests/support/gateway.cpp \
	tests/support/sipp.cpp tests/support/process.cpp
bench_gateway_bench_LDADD = media/libmedia.a core/libcore.a $(OUTPOST_SYS_LIBS)
EXTRA_bench_gateway_bench_DEPENDENCIES = outpostd$(EXEEXT) outpostctl$(EXEEXT) pstn-sim$(EXEEXT)
BENCHMARKS += bench/gateway_bench
CLEANFILES += bench/gateway_bench$(EXEEXT)
