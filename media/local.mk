# media/: see media/README.md. Sources arrive with the issue that builds this folder.
EXTRA_DIST += media/README.md
