# tools/: outpostctl (admin CLI) and, later, pstn-sim.
bin_PROGRAMS += outpostctl
outpostctl_SOURCES = tools/outpostctl.cpp \
	tools/outpostctl_dialplan.cpp tools/outpostctl_dialplan.hpp
outpostctl_LDADD = dialplan/libdialplan.a core/libcore.a $(OUTPOST_SYS_LIBS)
LAYER_CHECKED_FILES += $(outpostctl_SOURCES)

# pstn-sim: the simulated telephone network on the far end of emulated spans
# (see docs/pstn-sim.md). Uses tdm/ for PRI and media/ for tones and DTMF.
bin_PROGRAMS += pstn-sim
pstn_sim_SOURCES = \
	tools/pstn_sim.cpp tools/pstn_sim.hpp \
	tools/pstn_sim_main.cpp \
	tools/pstn_sim_media.cpp tools/pstn_sim_media.hpp \
	tools/pstn_sim_rules.cpp tools/pstn_sim_rules.hpp
pstn_sim_LDADD = tdm/libtdm.a media/libmedia.a core/libcore.a $(OUTPOST_SYS_LIBS)
LAYER_CHECKED_FILES += $(pstn_sim_SOURCES)
EXTRA_DIST += docs/pstn-sim.md etc/pstn-sim/rules
