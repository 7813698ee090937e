#include "core/subsystems.hpp"

#include <algorithm>

namespace outpost::core {

const char* healthName(Health h) {
  switch (h) {
    case Health::kUp:
      return "up";
    case Health::kDegraded:
      return "degraded";
    case Health::kDown:
      return "down";
    case Health::kStarting:
      return "starting";
    case Health::kDisabled:
      return "disabled";
  }
  return "unknown";
}

void SubsystemRegistry::add(std::string name, Probe probe) {
  remove(name);
  probes_.emplace_back(std::move(name), std::move(probe));
}

void SubsystemRegistry::remove(const std::string& name) {
  std::erase_if(probes_, [&](const auto& p) { return p.first == name; });
}

nlohmann::json SubsystemRegistry::snapshot() const {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& [name, probe] : probes_) {
    SubsystemStatus s = probe();
    nlohmann::json j = {{"name", name}, {"state", healthName(s.health)}, {"detail", s.detail}};
    for (auto it = s.facts.begin(); it != s.facts.end(); ++it)
      j[it.key()] = it.value();
    out.push_back(std::move(j));
  }
  return out;
}

Health SubsystemRegistry::overall() const {
  auto rank = [](Health h) {
    switch (h) {
      case Health::kDown:
        return 3;
      case Health::kDegraded:
        return 2;
      case Health::kStarting:
        return 1;
      default:
        return 0;
    }
  };
  Health worst = Health::kUp;
  for (const auto& [name, probe] : probes_) {
    Health h = probe().health;
    if (rank(h) > rank(worst)) worst = h;
  }
  return worst;
}

}  // namespace outpost::core
