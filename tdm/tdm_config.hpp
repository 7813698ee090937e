// The TDM part of the daemon's configuration: [span N] and [trunkgroup NAME]
// sections. tdmSectionSpecs() gives their schema (add it to the daemon's
// ConfigSchema so unknown keys and bad values are reported as FILE:LINE);
// readTdmSettings() turns a checked file into typed settings and reports
// what the schema cannot see (a span without a socket, a group naming a span
// that does not exist, a layout that does not fit the line) the same way;
// configure() builds the spans and groups into a PriStack.
//
//   [span 1]
//   type = emulated            ; or dahdi
//   socket = pstn.sock         ; emulated: relative to the run directory
//   line = t1                  ; t1 or e1 (dahdi: from system.conf)
//   switchtype = ni2
//   side = cpe
//   t203 = 10s                 ; Q.921/Q.931 timers; bare numbers are ms
//
//   [trunkgroup pstn]
//   spans = 1, 2
//   hunting = descending
//
// Pure parsing plus reading DAHDI's system.conf; build on any thread,
// configure() on the control thread.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "core/config.hpp"
#include "core/result.hpp"
#include "tdm/emulated_span.hpp"
#include "tdm/pri_stack.hpp"

namespace outpost::tdm {

enum class BackendKind { kEmulated, kDahdi };

struct SpanSettings {
  core::SourceLocation where;
  BackendKind backend = BackendKind::kEmulated;
  TrunkConfig trunk;  // span number, name, switch type, side, timers, overlap, capture
  SpanLayout layout;
  Law law = Law::kMulaw;
  EmulatedOptions emulated;
  // DAHDI: the system.conf span this is, and its echo cancellers.
  std::string system_conf;
  int dahdi_span = 0;
  int dahdi_first_channel = 0;   // DAHDI's global number of timeslot 1
  std::vector<int> echo_cancel;  // timeslots whose canceller calls turn on
};

struct TdmSettings {
  std::vector<SpanSettings> spans;
  std::vector<TrunkGroupConfig> groups;
};

std::vector<core::SectionSpec> tdmSectionSpecs();

// `runDir` resolves relative socket and capture paths (the daemon's state
// directory). Every problem is one "FILE:LINE: ..." line of the error.
core::Result<TdmSettings> readTdmSettings(const core::ConfigFile& file, const std::string& runDir);

core::Result<std::unique_ptr<SpanBackend>> makeBackend(const SpanSettings& s);
// Adds every span (starting it) and every group to `stack`.
core::Status configure(PriStack& stack, const TdmSettings& settings);

}  // namespace outpost::tdm
