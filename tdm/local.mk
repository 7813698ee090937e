# tdm/: spans and channels, the emulated and DAHDI backends, PRI signalling
# with libpri, D-channel capture, DAHDI system.conf. See tdm/README.md.
noinst_LIBRARIES += tdm/libtdm.a
tdm_libtdm_a_SOURCES = \
	tdm/backend.hpp tdm/bearer.hpp \
	tdm/call.cpp tdm/call.hpp \
	tdm/capture.cpp tdm/capture.hpp \
	tdm/dahdi_span.cpp tdm/dahdi_span.hpp \
	tdm/emulated_span.cpp tdm/emulated_span.hpp \
	tdm/emulated_wire.cpp tdm/emulated_wire.hpp \
	tdm/libpri.hpp \
	tdm/pri_stack.cpp tdm/pri_stack.hpp \
	tdm/pri_trunk.cpp tdm/pri_trunk.hpp \
	tdm/span.cpp tdm/span.hpp \
	tdm/system_conf.cpp tdm/system_conf.hpp \
	tdm/tdm_config.cpp tdm/tdm_config.hpp \
	tdm/trunk_group.cpp tdm/trunk_group.hpp \
	tdm/types.cpp tdm/types.hpp
LAYER_CHECKED_FILES += $(tdm_libtdm_a_SOURCES)
EXTRA_DIST += tdm/README.md
