# branch/: see branch/README.md. Sources arrive with the issue that builds this folder.
EXTRA_DIST += branch/README.md
