// The live dial plan: one pointer to an immutable Plan, swapped whole on
// reload. Call control copies the pointer when a call starts, so a call keeps
// the plan it started with however many reloads happen meanwhile. A reload
// that is refused (parse, compile, lint error or a failing inline test)
// changes nothing. current() may be called from any thread; reload() from one
// thread at a time (the control thread).
#pragma once

#include <atomic>
#include <functional>
#include <string>

#include "core/clock.hpp"
#include "dialplan/loader.hpp"

namespace outpost::dialplan {

class LivePlan {
 public:
  PlanPtr current() const { return plan_.load(); }

  // Runs `load`; when it gives a plan, that plan becomes current. Returns the
  // load's result either way (diagnostics, tests).
  const LoadResult& reload(const std::function<LoadResult()>& load, core::WallTime now);

  struct Stats {
    int loads = 0;           // plans that became current
    int refused = 0;         // loads that were refused
    std::string last_error;  // headline of the last refusal; "" once a load succeeds
    core::WallTime loaded_at{};
  };
  Stats stats() const { return stats_; }
  const LoadResult& lastResult() const { return last_; }

 private:
  std::atomic<PlanPtr> plan_;
  Stats stats_;
  LoadResult last_;
};

}  // namespace outpost::dialplan
