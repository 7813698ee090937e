# tests/: Boost.Test unit tests (tests/unit/FOLDER), integration tests with
# real processes (tests/integration), their support code and helper tools.
check_LIBRARIES = tests/libtestsupport.a
tests_libtestsupport_a_SOURCES = tests/support/process.cpp tests/support/process.hpp

TEST_CPPFLAGS = $(AM_CPPFLAGS) -DBOOST_TEST_DYN_LINK
TEST_LDADD = tests/libtestsupport.a $(BOOST_TEST_LIBS)

# Each folder's tests (unit, integration, benchmarks) live in their own
# fragment, so work on one folder never edits another's.
include tests/core.mk
include tests/tdm.mk
include tests/media.mk
include tests/dialplan.mk
include tests/e911.mk
include tests/branch.mk
include tests/gateway.mk
