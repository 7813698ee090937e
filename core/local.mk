# core/: event loop, clock, Result/Status, logging, config, SQLite store,
# control socket. Depends on Sofia su and SQLite only.
noinst_LIBRARIES += core/libcore.a
core_libcore_a_SOURCES = \
	core/cidr.cpp core/cidr.hpp \
	core/clock.cpp core/clock.hpp \
	core/config.cpp core/config.hpp \
	core/control_socket.cpp core/control_socket.hpp \
	core/event_loop.cpp core/event_loop.hpp \
	core/handle.hpp \
	core/log.cpp core/log.hpp \
	core/result.cpp core/result.hpp \
	core/sd_notify.cpp core/sd_notify.hpp \
	core/store.cpp core/store.hpp \
	core/strings.cpp core/strings.hpp \
	core/subsystems.cpp core/subsystems.hpp \
	core/version.cpp core/version.hpp
LAYER_CHECKED_FILES += $(core_libcore_a_SOURCES)
EXTRA_DIST += core/README.md
