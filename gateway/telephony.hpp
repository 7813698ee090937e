// Telephony: the working gateway as one piece the daemon owns. It builds the
// PRI stack (spans and trunk groups), the media engine and each span's media
// pump, the SIP agent and the call control from the configuration, serves
// their admin commands (calls, spans, channels, hangup, capture, cdr) and
// status, and takes them down in order (calls first, so every CDR is queued).
//
// [media] and [calls] sections are read here; [sip]/[peer] in sip_config,
// [span]/[trunkgroup] in tdm/tdm_config. Control thread only.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "core/config.hpp"
#include "core/control_socket.hpp"
#include "core/event_loop.hpp"
#include "core/store.hpp"
#include "core/subsystems.hpp"
#include "dialplan/plan.hpp"
#include "gateway/call_control.hpp"
#include "gateway/sip_agent.hpp"
#include "media/media_engine.hpp"
#include "tdm/pri_stack.hpp"
#include "tdm/tdm_config.hpp"

namespace outpost::gateway {

struct TelephonySettings {
  SipConfig sip;
  tdm::TdmSettings tdm;
  media::MediaEngineConfig media;
  CallSettings calls;
};

std::vector<core::SectionSpec> telephonySectionSpecs();
// `stateDir` resolves relative socket and capture paths.
core::Result<TelephonySettings> readTelephonySettings(const core::ConfigFile& file,
                                                      const std::string& stateDir);

class Telephony {
 public:
  using PlanSource = CallControl::PlanSource;

  Telephony(core::EventLoop& loop, core::StoreWriter& store, TelephonySettings settings,
            PlanSource plan);
  ~Telephony();
  Telephony(const Telephony&) = delete;
  Telephony& operator=(const Telephony&) = delete;

  core::Status start();
  void registerCommands(core::ControlServer& control, const std::string& databasePath);
  void registerSubsystems(core::SubsystemRegistry& registry);
  // Ends every call (cause 41 unless given), then stops SIP; `done` after.
  void shutdown(std::function<void()> done, int cause = 41);

  CallControl& calls() { return *calls_; }
  tdm::PriStack& pri() { return *pri_; }

 private:
  core::EventLoop& loop_;
  core::StoreWriter& store_;
  TelephonySettings settings_;
  PlanSource plan_;
  std::unique_ptr<media::MediaEngine> media_;
  std::unique_ptr<tdm::PriStack> pri_;
  std::unique_ptr<CallControl> calls_;
  std::unique_ptr<SipAgent> sip_;
};

}  // namespace outpost::gateway
