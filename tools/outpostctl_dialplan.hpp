// `outpostctl dialplan ...`: the commands that work on plan files without a
// daemon (check, diff, and test with --plan). Called from outpostctl's main on
// the main thread.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace outpost::tools {

// `words` starts with "dialplan". Returns the exit code when the command runs
// offline; nullopt when it is for the daemon (reload, status, test without
// --plan), which outpostctl then sends over the control socket.
std::optional<int> runDialplanOffline(const std::vector<std::string>& words, bool json,
                                      const std::string& socket);

// The lines of `outpostctl --help` for these commands.
const char* dialplanUsage();

}  // namespace outpost::tools
