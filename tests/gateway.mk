# Tests of gateway/ (outpostd and outpostctl as processes).
check_PROGRAMS += tests/integration/daemon_test
tests_integration_daemon_test_SOURCES = tests/integration/daemon_test.cpp
tests_integration_daemon_test_CPPFLAGS = $(TEST_CPPFLAGS)
tests_integration_daemon_test_LDADD = $(TEST_LDADD) core/libcore.a $(OUTPOST_SYS_LIBS)
EXTRA_tests_integration_daemon_test_DEPENDENCIES = outpostd$(EXEEXT) outpostctl$(EXEEXT)
INTEGRATION_TESTS += tests/integration/daemon_test
