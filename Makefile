# Outpost: the front door. From a fresh clone of a fresh Debian 12 machine,
# `make run` and `make check` do everything: install the Debian packages (as
# root), generate and run configure out of tree in build/, compile, then run the
# daemon or the tests. The real build is Automake's, in build/.

BUILD_DIR := build
ASAN_DIR  := build-asan
JOBS      ?= $(shell nproc 2>/dev/null || echo 2)
CONFIGURE_FLAGS ?=
INNER     = $(MAKE) -s --no-print-directory -C

# Exactly what the build, the tests and `make run` need (see FIELD-NOTES:
# dahdi-source carries dahdi/user.h without pulling in dahdi-dkms).
PACKAGES := \
	build-essential autoconf automake pkg-config \
	libpri-dev dahdi-source libtonezone-dev \
	libsofia-sip-ua-dev libspandsp-dev libsqlite3-dev \
	libboost-test-dev nlohmann-json3-dev \
	tshark sip-tester openssl

.DEFAULT_GOAL := build
.PHONY: deps build all check check-asan run bench clean distclean distcheck help

help:
	@echo "make deps | build | run | check | check-asan | bench | distcheck | clean | distclean"

# Installs missing packages when root; otherwise says what to run, and stops.
deps: $(BUILD_DIR)/.deps-ok
$(BUILD_DIR)/.deps-ok: Makefile
	@missing=""; \
	for p in $(PACKAGES); do \
	  dpkg-query -W -f='$${Status}\n' "$$p" 2>/dev/null | grep -q '^install ok installed' || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "Installing Debian packages:$$missing"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing || exit 1; \
	  else \
	    echo "Outpost needs Debian packages that are not installed. As root, run:"; \
	    echo "  apt-get install --no-install-recommends$$missing"; \
	    exit 1; \
	  fi; \
	fi
	@mkdir -p $(BUILD_DIR) && touch $@

configure: configure.ac Makefile.am $(wildcard */local.mk) | $(BUILD_DIR)/.deps-ok
	autoreconf -fi

$(BUILD_DIR)/config.status: configure
	@mkdir -p $(BUILD_DIR)
	cd $(BUILD_DIR) && ../configure $(CONFIGURE_FLAGS)

build all: $(BUILD_DIR)/config.status
	@$(INNER) $(BUILD_DIR) -j$(JOBS)

# Every test case of every test binary; the last line is "N passed, N failed".
check: build
	@rm -f $(BUILD_DIR)/test-suite.log
	@$(INNER) $(BUILD_DIR) -j$(JOBS) check || true
	@sh scripts/test-summary $(BUILD_DIR)/test-suite.log

# The unit tests again, built with AddressSanitizer and UBSan.
$(ASAN_DIR)/config.status: configure
	@mkdir -p $(ASAN_DIR)
	cd $(ASAN_DIR) && ../configure --enable-sanitizers $(CONFIGURE_FLAGS)

check-asan: $(ASAN_DIR)/config.status
	@rm -f $(ASAN_DIR)/test-suite.log
	@ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	  $(INNER) $(ASAN_DIR) -j$(JOBS) check-unit || true
	@sh scripts/test-summary $(ASAN_DIR)/test-suite.log

# The demo branch on the embedded default configuration, in the foreground,
# with pstn-sim as the PSTN. Ctrl-C stops both cleanly.
run: build
	@sh scripts/run-demo $(BUILD_DIR)

bench: build
	@$(INNER) $(BUILD_DIR) bench

distcheck: build
	@$(INNER) $(BUILD_DIR) distcheck

clean:
	@if [ -f $(BUILD_DIR)/Makefile ]; then $(INNER) $(BUILD_DIR) clean; fi
	@if [ -f $(ASAN_DIR)/Makefile ]; then $(INNER) $(ASAN_DIR) clean; fi

# Back to a fresh clone (keeps installed packages).
distclean:
	rm -rf $(BUILD_DIR) $(ASAN_DIR) autom4te.cache build-aux aclocal.m4 configure configure~ \
	  config.h.in config.h.in~ Makefile.in
