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
