// The daemon's database schema, as ordered migrations. Owned by gateway/,
// which is the only folder that writes the store's tables; applied by the
// store writer at start.
#pragma once

#include <span>

#include "core/store.hpp"

namespace outpost::gateway {

std::span<const core::Migration> schemaMigrations();

}  // namespace outpost::gateway
