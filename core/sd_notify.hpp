// systemd readiness protocol (sd_notify) without libsystemd: one datagram to
// $NOTIFY_SOCKET per state change. Does nothing when the variable is unset, so
// the daemon behaves the same under systemd, in a shell and in tests.
// Any thread may call these.
#pragma once

#include <optional>
#include <string_view>

#include "core/clock.hpp"
#include "core/result.hpp"

namespace outpost::core {

// Sends e.g. "READY=1\nSTATUS=serving". Ok when NOTIFY_SOCKET is unset.
Status sdNotify(std::string_view state);
bool sdNotifyEnabled();
// The interval at which WATCHDOG=1 must be sent (half of WATCHDOG_USEC), when
// systemd asked for one and it is meant for this process.
std::optional<Duration> sdWatchdogInterval();

}  // namespace outpost::core
