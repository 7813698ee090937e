#include "tdm/span.hpp"

#include <algorithm>
#include <set>

#include "core/strings.hpp"

namespace outpost::tdm {

SpanLayout SpanLayout::standard(LineType line) {
  SpanLayout l;
  l.line = line;
  if (line == LineType::kT1) {
    l.dchannel = 24;
    for (int ts = 1; ts <= 23; ++ts)
      l.bchannels.push_back(ts);
  } else {
    l.dchannel = 16;
    for (int ts = 1; ts <= 31; ++ts)
      if (ts != 16) l.bchannels.push_back(ts);
  }
  return l;
}

bool SpanLayout::isBearer(int ts) const {
  return std::binary_search(bchannels.begin(), bchannels.end(), ts);
}

core::Status SpanLayout::validate() const {
  const char* lt = lineTypeName(line);
  if (dchannel != 0 && (dchannel < 1 || !hasTimeslot(dchannel))) {
    return core::invalidArgument("D-channel timeslot " + std::to_string(dchannel) +
                                 " is outside a " + lt + " line (timeslots 1-" +
                                 std::to_string(lastTimeslot()) + ")");
  }
  if (bchannels.empty()) return core::invalidArgument("the span has no bearer channels");
  std::set<int> seen;
  for (int ts : bchannels) {
    if (ts < 1 || !hasTimeslot(ts)) {
      return core::invalidArgument("bearer timeslot " + std::to_string(ts) + " is outside a " + lt +
                                   " line (timeslots 1-" + std::to_string(lastTimeslot()) + ")");
    }
    if (ts == dchannel) {
      return core::invalidArgument("timeslot " + std::to_string(ts) +
                                   " is both a bearer channel and the D-channel");
    }
    if (!seen.insert(ts).second) {
      return core::invalidArgument("bearer timeslot " + std::to_string(ts) + " is listed twice");
    }
  }
  if (!std::is_sorted(bchannels.begin(), bchannels.end())) {
    return core::invalidArgument("bearer timeslots must be in ascending order");
  }
  return {};
}

core::Result<std::vector<int>> parseChannelList(std::string_view text) {
  std::set<int> out;
  auto parts = core::split(text, ',');
  if (parts.empty()) return core::invalidArgument("empty channel list");
  for (const auto& raw : parts) {
    std::string part(core::trim(raw));
    if (part.empty())
      return core::invalidArgument("empty item in channel list '" + std::string(text) + "'");
    auto dash = part.find('-');
    std::optional<long long> lo, hi;
    if (dash == std::string::npos) {
      lo = hi = core::parseInt(part);
    } else {
      lo = core::parseInt(core::trim(std::string_view(part).substr(0, dash)));
      hi = core::parseInt(core::trim(std::string_view(part).substr(dash + 1)));
    }
    if (!lo || !hi) return core::invalidArgument("'" + part + "' is not a channel or a range");
    if (*lo < 1 || *hi < 1 || *lo > 4096 || *hi > 4096) {
      return core::invalidArgument("channel numbers run from 1 to 4096, not '" + part + "'");
    }
    if (*lo > *hi) return core::invalidArgument("range '" + part + "' runs backwards");
    for (long long c = *lo; c <= *hi; ++c)
      if (!out.insert(static_cast<int>(c)).second) {
        return core::invalidArgument("channel " + std::to_string(c) + " is listed twice in '" +
                                     std::string(text) + "'");
      }
  }
  return std::vector<int>(out.begin(), out.end());
}

std::string formatChannelList(const std::vector<int>& channels) {
  std::vector<std::string> parts;
  for (size_t i = 0; i < channels.size();) {
    size_t j = i;
    while (j + 1 < channels.size() && channels[j + 1] == channels[j] + 1)
      ++j;
    parts.push_back(j == i ? std::to_string(channels[i])
                           : std::to_string(channels[i]) + "-" + std::to_string(channels[j]));
    i = j + 1;
  }
  return core::join(parts, ",");
}

Span::Span(int number, std::string name, SpanLayout layout, Law law)
    : number_(number), name_(std::move(name)), layout_(std::move(layout)), law_(law) {
  for (int ts : layout_.bchannels)
    channels_[ts] = Channel{};
}

const Span::Channel* Span::find(int ts) const {
  auto it = channels_.find(ts);
  return it == channels_.end() ? nullptr : &it->second;
}

Span::Channel* Span::find(int ts) {
  auto it = channels_.find(ts);
  return it == channels_.end() ? nullptr : &it->second;
}

ChannelState Span::state(int ts) const {
  const Channel* c = find(ts);
  if (!c) return ChannelState::kMaintenance;
  if (!c->in_service) return ChannelState::kMaintenance;
  if (c->call) return ChannelState::kInUse;
  if (c->restarting) return ChannelState::kRestarting;
  if (!usable()) return ChannelState::kAlarmed;
  return ChannelState::kIdle;
}

uint64_t Span::callOn(int ts) const {
  const Channel* c = find(ts);
  return c ? c->call : 0;
}

void Span::assign(int ts, uint64_t call) {
  if (Channel* c = find(ts)) c->call = call;
}

void Span::release(int ts, core::TimePoint when) {
  if (Channel* c = find(ts)) {
    c->call = 0;
    c->last_released = when;
  }
}

void Span::setInService(int ts, bool inService) {
  if (Channel* c = find(ts)) c->in_service = inService;
}

bool Span::inService(int ts) const {
  const Channel* c = find(ts);
  return c && c->in_service;
}

void Span::setRestarting(int ts, bool restarting) {
  if (Channel* c = find(ts)) c->restarting = restarting;
}

bool Span::restarting(int ts) const {
  const Channel* c = find(ts);
  return c && c->restarting;
}

core::TimePoint Span::lastReleased(int ts) const {
  const Channel* c = find(ts);
  return c ? c->last_released : core::TimePoint{};
}

size_t Span::idleCount() const {
  size_t n = 0;
  for (const auto& [ts, c] : channels_)
    if (state(ts) == ChannelState::kIdle) ++n;
  return n;
}

nlohmann::json Span::summaryJson() const {
  std::map<std::string, int> counts;
  for (const auto& [ts, c] : channels_)
    ++counts[channelStateName(state(ts))];
  nlohmann::json j = {{"span", number_},
                      {"name", name_},
                      {"line", lineTypeName(layout_.line)},
                      {"law", lawName(law_)},
                      {"alarms", alarmsName(alarms_)},
                      {"dchannel", dchannel_up_ ? "up" : "down"},
                      {"bchannels", formatChannelList(layout_.bchannels)}};
  for (const char* s : {"idle", "in_use", "maintenance", "alarmed", "restarting"})
    j["channels"][s] = counts[s];
  return j;
}

nlohmann::json Span::channelsJson() const {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& [ts, c] : channels_) {
    nlohmann::json j = {{"span", number_}, {"channel", ts}, {"state", channelStateName(state(ts))}};
    if (c.call) j["call"] = c.call;
    out.push_back(std::move(j));
  }
  return out;
}

}  // namespace outpost::tdm
