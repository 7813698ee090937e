# etc/: the embedded default configuration and the systemd unit.
EMBEDDED_CONFIG = etc/outpost/outpost.conf etc/outpost/default.dialplan etc/outpost/international.csv
EXTRA_DIST += etc/outpostd.service scripts/embed-files
outpostconfdir = $(sysconfdir)/outpost
dist_outpostconf_DATA = $(EMBEDDED_CONFIG)
