#include "tdm/trunk_group.hpp"

#include <algorithm>

namespace outpost::tdm {

namespace {
struct PolicyName {
  HuntPolicy policy;
  const char* name;
};
const PolicyName kPolicies[] = {
    {HuntPolicy::kAscending, "ascending"},    {HuntPolicy::kDescending, "descending"},
    {HuntPolicy::kRoundRobin, "round_robin"}, {HuntPolicy::kLeastRecent, "least_recent"},
    {HuntPolicy::kRoundRobin, "roundrobin"},  {HuntPolicy::kRoundRobin, "rr"},
    {HuntPolicy::kLeastRecent, "lru"},        {HuntPolicy::kLeastRecent, "least_recently_used"},
};
}  // namespace

const char* huntPolicyName(HuntPolicy p) {
  for (const auto& row : kPolicies)
    if (row.policy == p) return row.name;
  return "?";
}

std::optional<HuntPolicy> parseHuntPolicy(std::string_view s) {
  std::string f(s);
  std::replace(f.begin(), f.end(), '-', '_');
  for (const auto& row : kPolicies)
    if (f == row.name) return row.policy;
  return std::nullopt;
}

std::vector<std::string> huntPolicyNames() {
  return {"ascending", "descending", "round_robin", "least_recent"};
}

std::optional<ChannelRef> TrunkGroup::hunt(const std::vector<const Span*>& spans,
                                           const std::set<ChannelRef>& avoid) {
  // Every channel of the group in ascending order: span order, then timeslot.
  std::vector<ChannelRef> order;
  std::vector<const Span*> owner;
  for (const Span* s : spans) {
    if (!s) continue;
    for (int ts : s->bchannels()) {
      order.push_back({s->number(), ts});
      owner.push_back(s);
    }
  }
  auto free = [&](size_t i) {
    return owner[i]->usable() && owner[i]->isIdle(order[i].channel) && !avoid.count(order[i]);
  };
  std::optional<size_t> pick;
  switch (config_.policy) {
    case HuntPolicy::kAscending:
      for (size_t i = 0; i < order.size() && !pick; ++i)
        if (free(i)) pick = i;
      break;
    case HuntPolicy::kDescending:
      for (size_t i = order.size(); i-- > 0 && !pick;)
        if (free(i)) pick = i;
      break;
    case HuntPolicy::kRoundRobin: {
      size_t start = 0;
      if (last_) {
        auto it = std::find(order.begin(), order.end(), *last_);
        if (it != order.end()) start = static_cast<size_t>(it - order.begin()) + 1;
      }
      for (size_t k = 0; k < order.size() && !pick; ++k) {
        size_t i = (start + k) % order.size();
        if (free(i)) pick = i;
      }
      break;
    }
    case HuntPolicy::kLeastRecent:
      for (size_t i = 0; i < order.size(); ++i) {
        if (!free(i)) continue;
        if (!pick || owner[i]->lastReleased(order[i].channel) <
                         owner[*pick]->lastReleased(order[*pick].channel)) {
          pick = i;
        }
      }
      break;
  }
  if (!pick) return std::nullopt;
  return order[*pick];
}

}  // namespace outpost::tdm
