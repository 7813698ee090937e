# gateway/: the daemon. The only folder that wires concrete parts together.
noinst_LIBRARIES += gateway/libgateway.a
gateway_libgateway_a_SOURCES = \
	gateway/call_control.cpp gateway/call_control.hpp \
	gateway/cause_map.cpp gateway/cause_map.hpp \
	gateway/cdr.cpp gateway/cdr.hpp \
	gateway/daemon.cpp gateway/daemon.hpp \
	gateway/daemon_config.cpp gateway/daemon_config.hpp \
	gateway/dialplan_service.cpp gateway/dialplan_service.hpp \
	gateway/load_monitor.cpp gateway/load_monitor.hpp \
	gateway/schema.cpp gateway/schema.hpp \
	gateway/sdp.cpp gateway/sdp.hpp \
	gateway/sip_agent.cpp gateway/sip_agent.hpp \
	gateway/sip_config.cpp gateway/sip_config.hpp \
	gateway/span_media.cpp gateway/span_media.hpp \
	gateway/telephony.cpp gateway/telephony.hpp
LAYER_CHECKED_FILES += $(gateway_libgateway_a_SOURCES) gateway/outpostd.cpp

# The embedded default configuration, compiled from etc/outpost.
gateway/embedded_config.cpp: $(top_srcdir)/scripts/embed-files $(addprefix $(top_srcdir)/,$(EMBEDDED_CONFIG))
	$(AM_V_GEN)$(MKDIR_P) gateway && $(SHELL) $(top_srcdir)/scripts/embed-files $@ \
	  $(foreach f,$(EMBEDDED_CONFIG),$(notdir $(f))=$(top_srcdir)/$(f))
CLEANFILES += gateway/embedded_config.cpp
noinst_LIBRARIES += gateway/libembedded.a
nodist_gateway_libembedded_a_SOURCES = gateway/embedded_config.cpp

GATEWAY_LIBS = gateway/libgateway.a gateway/libembedded.a dialplan/libdialplan.a media/libmedia.a \
	tdm/libtdm.a core/libcore.a
sbin_PROGRAMS += outpostd
outpostd_SOURCES = gateway/outpostd.cpp
outpostd_LDADD = $(GATEWAY_LIBS) $(OUTPOST_SYS_LIBS)
