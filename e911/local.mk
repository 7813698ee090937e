# e911/: see e911/README.md. Sources arrive with the issue that builds this folder.
EXTRA_DIST += e911/README.md
