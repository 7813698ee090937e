// Trunk groups: an ordered set of spans that calls to one destination may
// use, and the channel-hunting policy that picks a B-channel among them.
// Spans that are not usable (in alarm, D-channel down) are skipped, so a call
// goes out on the next span of the group. Pure bookkeeping over Span states;
// control thread.
#pragma once

#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "tdm/span.hpp"

namespace outpost::tdm {

enum class HuntPolicy {
  kAscending,    // first span, lowest channel first
  kDescending,   // last span, highest channel first (the mirror image: two
                 // ends hunting opposite ways rarely collide)
  kRoundRobin,   // the channel after the one used last, across spans
  kLeastRecent,  // the channel idle for longest
};
const char* huntPolicyName(HuntPolicy p);
std::optional<HuntPolicy> parseHuntPolicy(std::string_view s);
std::vector<std::string> huntPolicyNames();

struct TrunkGroupConfig {
  std::string name;
  std::vector<int> spans;  // span numbers, in the group's order
  HuntPolicy policy = HuntPolicy::kAscending;
};

struct ChannelRef {
  int span = 0;
  int channel = 0;
  bool operator==(const ChannelRef&) const = default;
  bool operator<(const ChannelRef& o) const {
    return span < o.span || (span == o.span && channel < o.channel);
  }
};

class TrunkGroup {
 public:
  explicit TrunkGroup(TrunkGroupConfig config) : config_(std::move(config)) {}

  const TrunkGroupConfig& config() const { return config_; }
  const std::string& name() const { return config_.name; }

  // An idle channel on a usable span, by the group's policy; `spans` are the
  // group's spans in its order (nullptr for one that does not exist).
  // `avoid` lists channels not to pick (a retry after glare).
  std::optional<ChannelRef> hunt(const std::vector<const Span*>& spans,
                                 const std::set<ChannelRef>& avoid = {});
  // Round robin continues after the channel a call took.
  void noteUsed(ChannelRef ref) { last_ = ref; }

 private:
  TrunkGroupConfig config_;
  std::optional<ChannelRef> last_;
};

}  // namespace outpost::tdm
