// Build identity, for `outpostd --version` and `outpostctl status`.
#pragma once

namespace outpost::core {
const char* version();
}  // namespace outpost::core
