#include "core/version.hpp"

#include "config.h"

namespace outpost::core {
const char* version() {
  return PACKAGE_VERSION;
}
}  // namespace outpost::core
