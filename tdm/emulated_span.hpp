// The emulated backend: a span over UNIX SOCK_SEQPACKET sockets, so two
// processes (the gateway and pstn-sim, or two gateways) can face each other
// with no card. One end listens on the configured socket path, the other
// connects to it and reconnects whenever the far end goes away. Each end opens
// two connections on the path: the line (D-channel frames and the alarm
// signals a framer sends) and the bearer (all timeslots together, one frame
// per 20 ms, see bearer.hpp).
//
// Alarms follow what a T1/E1 framer reports: no far end, or a far end that
// stopped transmitting, is red; a far end sending AIS is blue; a far end that
// says it receives nothing (RAI) is yellow. An end in red or blue sends RAI
// back, as real equipment does. simulateAlarm() and setDchannelBlocked() let
// pstn-sim and tests break the line on purpose.
//
// Threads: control thread (see backend.hpp); the BearerPort it opens belongs
// to whichever thread services it.
#pragma once

#include <atomic>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "core/event_loop.hpp"
#include "core/handle.hpp"
#include "tdm/backend.hpp"
#include "tdm/emulated_wire.hpp"

namespace outpost::tdm {

struct EmulatedOptions {
  std::string socket_path;
  enum class Mode { kListen, kConnect };
  // Defaults: the network side listens and is the clock master.
  std::optional<Mode> mode;
  std::optional<Clocking> clocking;
  core::Duration retry_interval = std::chrono::milliseconds(250);
  core::Duration hello_timeout = std::chrono::seconds(3);
};

// What this end transmits when told to break the line: the far end then
// declares red (we send nothing), yellow (we send RAI) or blue (we send AIS).
enum class SimulatedAlarm { kNone, kRed, kYellow, kBlue };
const char* simulatedAlarmName(SimulatedAlarm a);
std::optional<SimulatedAlarm> parseSimulatedAlarm(std::string_view s);

namespace detail {
struct BearerShared;
}

class EmulatedSpan final : public SpanBackend {
 public:
  EmulatedSpan(std::string name, SpanLayout layout, Law law, Side side, EmulatedOptions options);
  ~EmulatedSpan() override;
  EmulatedSpan(const EmulatedSpan&) = delete;
  EmulatedSpan& operator=(const EmulatedSpan&) = delete;

  const char* kind() const override { return "emulated"; }
  std::string describe() const override;
  const SpanLayout& layout() const override { return layout_; }
  Law law() const override { return law_; }
  core::Status start(core::EventLoop& loop, Callbacks callbacks) override;
  bool sendFrame(std::span<const uint8_t> frame) override;
  LineStatus lineStatus() const override;
  core::Result<std::unique_ptr<BearerPort>> openBearer() override;
  nlohmann::json stats() const override;

  EmulatedOptions::Mode mode() const { return mode_; }
  Clocking clocking() const { return clocking_; }
  const std::string& socketPath() const { return options_.socket_path; }

  void simulateAlarm(SimulatedAlarm a);
  SimulatedAlarm simulatedAlarm() const { return simulated_; }
  // Drops D-channel frames in both directions while the line stays up, so
  // Q.921 notices the loss by its own timers (T200, T203, N200).
  void setDchannelBlocked(bool blocked) { dchannel_blocked_ = blocked; }
  bool dchannelBlocked() const { return dchannel_blocked_; }
  // For a test far end that floods the D-channel faster than the other side
  // reads it: blocks the calling thread until the line socket takes another
  // frame or timeout_ms passes. False when there is no line or it timed out.
  bool waitLineWritable(int timeout_ms) const;

 private:
  struct Conn {
    core::UniqueFd fd;
    core::FdWatch watch;
    core::Timer timeout;
    bool outgoing = false;
    wire::ConnKind kind = wire::ConnKind::kLine;  // known once HELLO arrived
  };

  core::Status listen();
  void onAccept();
  void tryConnect();
  void connectOne(wire::ConnKind kind);
  void onHandshake(Conn* c);
  void onLineReadable(unsigned events);
  void adoptLine(std::unique_ptr<Conn> c);
  void adoptBearer(std::unique_ptr<Conn> c);
  void dropPending(Conn* c, const std::string& why);
  void dropLine(const std::string& why);
  void sendStatus(bool force);
  void lineMaybeChanged();
  wire::Hello hello(wire::ConnKind kind) const;
  bool sendMsg(int fd, std::span<const uint8_t> msg);
  void noteMalformed(const std::string& what);

  std::string name_;
  SpanLayout layout_;
  Law law_;
  Side side_;
  EmulatedOptions options_;
  EmulatedOptions::Mode mode_;
  Clocking clocking_;

  core::EventLoop* loop_ = nullptr;
  Callbacks callbacks_;
  core::UniqueFd listen_fd_;
  core::FdWatch listen_watch_;
  core::Timer retry_;
  std::vector<std::unique_ptr<Conn>> pending_;
  std::unique_ptr<Conn> line_;
  std::unique_ptr<Conn> parked_bearer_;  // a far end's bearer while no port is open
  std::shared_ptr<detail::BearerShared> bearer_;

  wire::Status far_status_;
  wire::Status sent_status_;
  bool status_sent_ = false;
  std::string last_refusal_;
  LineStatus reported_;
  SimulatedAlarm simulated_ = SimulatedAlarm::kNone;
  bool dchannel_blocked_ = false;

  struct Counters {
    uint64_t frames_in = 0, frames_out = 0, frames_dropped = 0, malformed = 0, connects = 0,
             refusals = 0;
  } counters_;
};

}  // namespace outpost::tdm
