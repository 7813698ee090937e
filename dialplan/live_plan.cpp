#include "dialplan/live_plan.hpp"

namespace outpost::dialplan {

const LoadResult& LivePlan::reload(const std::function<LoadResult()>& load, core::WallTime now) {
  last_ = load();
  if (last_.plan) {
    plan_.store(last_.plan);
    ++stats_.loads;
    stats_.last_error.clear();
    stats_.loaded_at = now;
  } else {
    ++stats_.refused;
    stats_.last_error =
        last_.diagnostics.empty() ? "refused" : last_.diagnostics.front().headline();
  }
  return last_;
}

}  // namespace outpost::dialplan
