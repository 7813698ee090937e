# tools/: outpostctl (admin CLI) and, later, pstn-sim.
bin_PROGRAMS += outpostctl
outpostctl_SOURCES = tools/outpostctl.cpp \
	tools/outpostctl_dialplan.cpp tools/outpostctl_dialplan.hpp
outpostctl_LDADD = dialplan/libdialplan.a core/libcore.a $(OUTPOST_SYS_LIBS)
LAYER_CHECKED_FILES += $(outpostctl_SOURCES)
