// The registry behind `outpostctl status`: each part of the daemon (store,
// control socket, spans, SIP, dial plan, ...) registers a probe that says how
// it is. Owned by the daemon; used on the control thread only.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace outpost::core {

enum class Health { kUp, kDegraded, kDown, kStarting, kDisabled };
const char* healthName(Health h);

struct SubsystemStatus {
  Health health = Health::kUp;
  std::string detail;                               // one line a person reads
  nlohmann::json facts = nlohmann::json::object();  // figures a script reads
};

class SubsystemRegistry {
 public:
  using Probe = std::function<SubsystemStatus()>;
  void add(std::string name, Probe probe);
  void remove(const std::string& name);
  // [{"name", "state", "detail", ...facts}] in registration order.
  nlohmann::json snapshot() const;
  // Worst health over all subsystems (kUp when all are up or disabled).
  Health overall() const;

 private:
  std::vector<std::pair<std::string, Probe>> probes_;
};

}  // namespace outpost::core
