# tdm/: spans and channels, the emulated and DAHDI backends, PRI signalling
# with libpri, D-channel capture, DAHDI system.conf. See tdm/README.md.
noinst_LIBRARIES += tdm/libtdm.a
tdm_libtdm_a_SOURCES = \
	tdm/backend.hpp tdm/bearer.hpp \
	tdm/emulated_span.cpp tdm/emulated_span.hpp \
	tdm/emulated_wire.cpp tdm/emulated_wire.hpp \
	tdm/span.cpp tdm/span.hpp \
	tdm/system_conf.cpp tdm/system_conf.hpp \
	tdm/types.cpp tdm/types.hpp
LAYER_CHECKED_FILES += $(tdm_libtdm_a_SOURCES)
EXTRA_DIST += tdm/README.md
