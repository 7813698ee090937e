# tests/: Boost.Test unit tests (tests/unit/FOLDER), integration tests with
# real processes (tests/integration), their support code and helper tools.
check_LIBRARIES = tests/libtestsupport.a
tests_libtestsupport_a_SOURCES = tests/support/process.cpp tests/support/process.hpp

TEST_CPPFLAGS = $(AM_CPPFLAGS) -DBOOST_TEST_DYN_LINK
TEST_LDADD = tests/libtestsupport.a $(BOOST_TEST_LIBS)

# --- unit tests ---
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

# --- integration tests ---
check_PROGRAMS += tests/tools/store-burst
tests_tools_store_burst_SOURCES = tests/tools/store_burst.cpp
tests_tools_store_burst_LDADD = core/libcore.a $(OUTPOST_SYS_LIBS)

check_PROGRAMS += tests/integration/store_crash_test
tests_integration_store_crash_test_SOURCES = tests/integration/store_crash_test.cpp
tests_integration_store_crash_test_CPPFLAGS = $(TEST_CPPFLAGS)
tests_integration_store_crash_test_LDADD = $(TEST_LDADD) core/libcore.a $(OUTPOST_SYS_LIBS)
INTEGRATION_TESTS += tests/integration/store_crash_test

check_PROGRAMS += tests/integration/daemon_test
tests_integration_daemon_test_SOURCES = tests/integration/daemon_test.cpp
tests_integration_daemon_test_CPPFLAGS = $(TEST_CPPFLAGS)
tests_integration_daemon_test_LDADD = $(TEST_LDADD) core/libcore.a $(OUTPOST_SYS_LIBS)
EXTRA_tests_integration_daemon_test_DEPENDENCIES = outpostd$(EXEEXT) outpostctl$(EXEEXT)
INTEGRATION_TESTS += tests/integration/daemon_test
