# tdm/: see tdm/README.md. Sources arrive with the issue that builds this folder.
EXTRA_DIST += tdm/README.md
