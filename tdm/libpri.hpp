// The one place libpri.h is included: it has no extern "C" of its own, so C++
// would mangle its names and fail to link. Include this, never libpri.h.
// Only tdm/ uses libpri; nothing outside it should need this header.
#pragma once

extern "C" {
#include <libpri.h>
}
