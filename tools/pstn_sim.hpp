// pstn-sim: a simulated telephone network on the far end of one or more
// emulated spans. It runs a PriStack (network side by default), answers,
// rings or refuses calls by its rules file, plays and hears audio on the
// B-channels, acts as a PSAP for emergency numbers, places calls on command,
// breaks the line on command, and reports everything as one JSON object per
// line. Commands come from stdin and from a control socket; both go through
// command(). Runs on one thread: its EventLoop's.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/control_socket.hpp"
#include "core/event_loop.hpp"
#include "tdm/emulated_span.hpp"
#include "tdm/pri_stack.hpp"
#include "tools/pstn_sim_media.hpp"
#include "tools/pstn_sim_rules.hpp"

namespace outpost::tools {

struct PstnSimOptions {
  std::vector<std::string> sockets;  // span 1, 2, ... in this order
  tdm::Side side = tdm::Side::kNetwork;
  tdm::LineType line = tdm::LineType::kT1;
  std::optional<tdm::Law> law;
  tdm::SwitchType switch_type = tdm::SwitchType::kNi2;
  std::optional<tdm::EmulatedOptions::Mode> mode;
  tdm::PriTimers timers;
  bool overlap = false;  // overlap receiving, completed by the rules
  core::Duration overlap_timeout = std::chrono::seconds(5);
  std::string rules_path;    // empty: answer everything and echo
  std::string control_path;  // empty: no control socket
  std::string capture_path;  // D-channel pcap of span 1 (span N: FILE gets -N)
  std::string record_dir = ".";
  std::string name = "pstn-sim";
};

class PstnSim : public tdm::TdmListener {
 public:
  using Emit = std::function<void(const nlohmann::json&)>;

  PstnSim(core::EventLoop& loop, PstnSimOptions options, Emit emit);
  ~PstnSim() override;

  core::Status start();
  // One command line, as typed on stdin or sent to the control socket.
  core::ControlReply command(const std::string& line);
  bool quitRequested() const { return quit_; }

  // TdmListener
  void onIncomingCall(const tdm::CallInfo& call) override;
  void onDigits(const tdm::CallInfo& call, const tdm::DigitsEvent& ev) override;
  void onSetupAcknowledged(const tdm::CallInfo& call) override;
  void onProceeding(const tdm::CallInfo& call) override;
  void onAlerting(const tdm::CallInfo& call, bool inband) override;
  void onProgress(const tdm::CallInfo& call, bool inband) override;
  void onConnected(const tdm::CallInfo& call) override;
  void onKeypad(const tdm::CallInfo& call, const std::string& digits) override;
  void onReleased(const tdm::CallInfo& call, const tdm::ReleaseInfo& why) override;
  void onSpanEvent(const tdm::SpanEvent& ev) override;

 private:
  struct SimCall {
    tdm::CallInfo info;
    std::optional<Rule> rule;        // incoming: the rule that decided it
    std::vector<MediaAction> media;  // after answer
    std::unique_ptr<CallMedia> audio;
    core::Timer action;
    core::Timer hangup;
    std::string overlap_rest;  // outgoing overlap: digits still to send
    core::Timer overlap_timer;
    bool answered = false;
  };
  struct PsapRecord {
    int index = 0;
    tdm::CallId call = 0;
    std::string at;
    int span = 0;
    std::string called;
    tdm::PartyNumber calling;
    std::string calling_name;
    std::string callback_from;
  };

  void addCommands();
  void numberComplete(tdm::CallId id);
  void apply(tdm::CallId id);
  void answerNow(tdm::CallId id);
  void startMedia(SimCall& c);
  void sendNextOverlapDigit(tdm::CallId id);
  void onTick(int span, tdm::BearerFrame& frame);
  SimCall* find(tdm::CallId id);
  core::Result<tdm::CallId> pickCall(const core::ControlRequest& req, bool incomingOnly);
  std::string recordPath(const SimCall& c) const;
  void event(const std::string& name, nlohmann::json fields);
  nlohmann::json callJson(const tdm::CallInfo& c) const;

  core::ControlReply cmdCall(const core::ControlRequest& r);
  core::ControlReply cmdAnswer(const core::ControlRequest& r);
  core::ControlReply cmdAlert(const core::ControlRequest& r);
  core::ControlReply cmdProgress(const core::ControlRequest& r);
  core::ControlReply cmdHangup(const core::ControlRequest& r);
  core::ControlReply cmdDtmf(const core::ControlRequest& r);
  core::ControlReply cmdMedia(const core::ControlRequest& r);
  core::ControlReply cmdAlarm(const core::ControlRequest& r);
  core::ControlReply cmdDchannel(const core::ControlRequest& r);
  core::ControlReply cmdJunk(const core::ControlRequest& r);
  core::ControlReply cmdService(const core::ControlRequest& r);
  core::ControlReply cmdRestart(const core::ControlRequest& r);
  core::ControlReply cmdShow(const core::ControlRequest& r);
  core::ControlReply cmdPsap(const core::ControlRequest& r);
  core::ControlReply cmdCallback(const core::ControlRequest& r);
  core::ControlReply cmdCapture(const core::ControlRequest& r);
  core::ControlReply cmdRules(const core::ControlRequest& r);
  core::Result<int> spanArg(const core::ControlRequest& r) const;

  core::EventLoop& loop_;
  PstnSimOptions options_;
  Emit emit_;
  RuleSet rules_;
  tdm::PriStack stack_;
  core::ControlServer control_;
  std::map<int, std::unique_ptr<tdm::BearerPort>> ports_;
  std::map<int, core::FdWatch> port_watches_;
  std::map<tdm::CallId, SimCall> calls_;
  // Calls by span, so a span's 20 ms tick visits its own calls only (map
  // nodes do not move, so the pointers stay valid until the call is erased).
  std::map<int, std::vector<SimCall*>> on_span_;
  SimCall& addCall(const tdm::CallInfo& info);
  void eraseCall(tdm::CallId id);
  void noteChannel(const tdm::CallInfo& info);
  std::vector<PsapRecord> psap_;
  bool quit_ = false;
};

}  // namespace outpost::tools
