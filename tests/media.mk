# Tests and benchmarks of media/ (unit tests in tests/unit/media/).
check_PROGRAMS += tests/unit/media_test
tests_unit_media_test_SOURCES = \
	tests/unit/media/main.cpp \
	tests/unit/media/bridge_test.cpp \
	tests/unit/media/config_test.cpp \
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

# Benchmarks of media/ (make bench).
noinst_PROGRAMS += bench/media_io
bench_media_io_SOURCES = bench/media_io.cpp
bench_media_io_LDADD = media/libmedia.a core/libcore.a $(OUTPOST_SYS_LIBS)
BENCHMARKS += bench/media_io

noinst_PROGRAMS += bench/media_capacity
bench_media_capacity_SOURCES = bench/media_capacity.cpp
bench_media_capacity_LDADD = media/libmedia.a core/libcore.a $(OUTPOST_SYS_LIBS)
BENCHMARKS += bench/media_capacity

noinst_PROGRAMS += bench/media_delay
bench_media_delay_SOURCES = bench/media_delay.cpp
bench_media_delay_LDADD = media/libmedia.a core/libcore.a $(OUTPOST_SYS_LIBS)
BENCHMARKS += bench/media_delay

# rtp-tool: a scriptable RTP far end for integration tests (ours and the
# gateway's).
check_PROGRAMS += tests/tools/rtp-tool
tests_tools_rtp_tool_SOURCES = tests/tools/rtp_tool.cpp
tests_tools_rtp_tool_LDADD = media/libmedia.a core/libcore.a $(OUTPOST_SYS_LIBS)

check_PROGRAMS += tests/integration/media_rtp_tool_test
tests_integration_media_rtp_tool_test_SOURCES = tests/integration/media_rtp_tool_test.cpp
tests_integration_media_rtp_tool_test_CPPFLAGS = $(TEST_CPPFLAGS)
tests_integration_media_rtp_tool_test_LDADD = $(TEST_LDADD) media/libmedia.a core/libcore.a $(OUTPOST_SYS_LIBS)
INTEGRATION_TESTS += tests/integration/media_rtp_tool_test
