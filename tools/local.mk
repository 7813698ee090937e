# tools/: outpostctl (admin CLI) and, later, pstn-sim.
bin_PROGRAMS += outpostctl
outpostctl_SOURCES = tools/outpostctl.cpp
outpostctl_LDADD = core/libcore.a $(OUTPOST_SYS_LIBS)
LAYER_CHECKED_FILES += $(outpostctl_SOURCES)
