// Test support: a whole gateway on loopback, as real processes — outpostd,
// pstn-sim as the network on its emulated span, sipp as HQ, rtp-tool as the
// SIP side's audio — each on addresses and ports of its own, so two test runs
// never collide. Every wait is bounded; everything started is stopped.
#pragma once

#include <nlohmann/json.hpp>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "tests/support/process.hpp"
#include "tests/support/sipp.hpp"

namespace outpost::test {

struct GatewayOptions {
  std::string pstn_rules;    // pstn-sim rules file text ("" = answer all, echo)
  std::string extra_config;  // appended to outpost.conf (more sections)
  std::string calls_section = "[calls]\nring_timeout = 20s\n";
  std::vector<std::string> pstn_args;  // more pstn-sim arguments
  std::string log_level = "info";
  int span_channels = 0;    // 0: a whole T1 (23 B-channels)
  std::string span_extra;   // more keys for every [span N]
  int spans = 1;            // emulated T1 spans, all in trunk group "pstn"
  bool quiet = false;       // outpostd and pstn-sim log warnings only
  std::string media_extra;  // more keys for [media]
};

class GatewayHarness {
 public:
  explicit GatewayHarness(GatewayOptions o = {});
  ~GatewayHarness();

  const std::string& ip() const { return ip_; }
  int sipPort() const { return sip_port_; }
  int hqPort() const { return hq_port_; }
  std::string sipAddress() const { return ip_ + ":" + std::to_string(sip_port_); }
  TempDir& dir() { return dir_; }
  Process& outpostd() { return *outpostd_; }
  Process& pstn() { return *pstn_; }

  // The next pstn-sim event named `name` (matching every key of `match`),
  // skipping others (they stay in events()). nullopt after `timeout`.
  std::optional<nlohmann::json> pstnEvent(const std::string& name,
                                          const nlohmann::json& match = nlohmann::json::object(),
                                          Ms timeout = 15000ms);
  const std::vector<nlohmann::json>& events() const { return events_; }
  void pstnCommand(const std::string& line);

  RunResult ctl(const std::vector<std::string>& args);
  nlohmann::json ctlJson(const std::vector<std::string>& args);
  std::vector<nlohmann::json> cdrs();
  // Waits until outpostd has written `n` CDRs in all.
  bool waitForCdrs(size_t n, Ms timeout = 10000ms);

  // sipp as HQ calling the gateway (UAC), from the HQ address.
  SippResult sippCall(SippOptions o);
  // sipp as HQ answering (UAS) on the HQ address, in the background.
  std::unique_ptr<Process> sippHq(SippOptions o);

  // Builds the uac_call scenario options for a call to `number` whose media
  // goes to `rtpPort` on our address.
  SippOptions callOptions(const std::string& number, int rtpPort, int talkMs = 2000,
                          const std::string& codecs = "0 8");
  // HQ answering a call from the PSTN (uas_answer), media to `rtpPort`;
  // with `hangupAfterMs` HQ sends the BYE itself.
  SippOptions answerOptions(int rtpPort, int ringMs = 200, int hangupAfterMs = 0,
                            const std::string& codecs = "0");
  // A call from HQ that must fail with `status` and Reason cause `cause`.
  SippOptions failOptions(const std::string& number, int status, int cause);

 private:
  std::string spansConfig() const;
  GatewayOptions options_;
  TempDir dir_;
  std::string ip_;
  int sip_port_, hq_port_;
  std::unique_ptr<Process> pstn_;
  std::unique_ptr<Process> outpostd_;
  std::vector<nlohmann::json> events_;
  size_t consumed_ = 0;
};

// rtp-tool on our loopback address: the SIP side's audio.
class RtpTool {
 public:
  explicit RtpTool(const std::string& ip, const std::vector<std::string>& args = {});
  ~RtpTool();
  int port() const { return port_; }
  void command(const std::string& line);
  // The next stats object (asks for it).
  nlohmann::json stats(Ms timeout = 5000ms);
  // Events seen so far of kind `event` ("dtmf").
  std::vector<nlohmann::json> seen(const std::string& event);

 private:
  void drain(Ms timeout);
  std::unique_ptr<Process> proc_;
  int port_ = 0;
  std::vector<nlohmann::json> lines_;
};

// Fraction of the 20 ms blocks of a 16-bit mono 8 kHz WAV file in which a
// tone of `hz` dominates (Goertzel), for checking what pstn-sim recorded.
double wavToneFraction(const std::string& path, double hz);

}  // namespace outpost::test
