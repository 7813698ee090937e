# Tests and benchmarks of media/ (unit tests in tests/unit/media/).
check_PROGRAMS += tests/unit/media_test
tests_unit_media_test_SOURCES = \
	tests/unit/media/main.cpp \
	tests/unit/media/bridge_test.cpp \
	tests/unit/media/dtmf_test.cpp \
	tests/unit/media/g711_test.cpp \
	tests/unit/media/jitter_buffer_test.cpp \
	tests/unit/media/media_engine_test.cpp \
	tests/unit/media/negotiation_test.cpp \
	tests/unit/media/rtcp_test.cpp \
	tests/unit/media/rtp_packet_test.cpp \
	tests/unit/media/rtp_session_test.cpp \
	tests/unit/media/support.hpp \
	tests/unit/media/tone_test.cpp
tests_unit_media_test_CPPFLAGS = $(TEST_CPPFLAGS)
tests_unit_media_test_LDADD = $(TEST_LDADD) media/libmedia.a core/libcore.a $(OUTPOST_SYS_LIBS)
UNIT_TESTS += tests/unit/media_test
