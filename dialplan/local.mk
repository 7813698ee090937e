# dialplan/: see dialplan/README.md. Sources arrive with the issue that builds this folder.
EXTRA_DIST += dialplan/README.md
