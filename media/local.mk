# media/: G.711, SpanDSP DTMF and tones, RTP/RTCP, jitter buffer, bridges and
# the media threads. Depends on core/ only.
noinst_LIBRARIES += media/libmedia.a
media_libmedia_a_SOURCES = \
	media/audio.cpp media/audio.hpp \
	media/bridge.cpp media/bridge.hpp \
	media/byte_order.hpp \
	media/random.hpp \
	media/config.cpp media/config.hpp \
	media/dtmf.hpp \
	media/g711.cpp media/g711.hpp \
	media/jitter_buffer.cpp media/jitter_buffer.hpp \
	media/media_engine.cpp media/media_engine.hpp \
	media/media_thread.cpp media/media_thread.hpp \
	media/negotiation.cpp media/negotiation.hpp \
	media/rtcp.cpp media/rtcp.hpp \
	media/rtp_packet.cpp media/rtp_packet.hpp \
	media/rtp_session.cpp media/rtp_session.hpp \
	media/spandsp.cpp \
	media/tone.cpp media/tone.hpp \
	media/udp.cpp media/udp.hpp
LAYER_CHECKED_FILES += $(media_libmedia_a_SOURCES)
EXTRA_DIST += media/README.md docs/media.md
