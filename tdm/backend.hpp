// What a span's hardware, or its emulation, gives the signalling layer: the
// D-channel as whole HDLC frames (without FCS), the line's alarms, and the
// bearer side as a BearerPort for a media thread. Two implementations:
// EmulatedSpan (UNIX sockets) and DahdiSpan (DAHDI cards).
//
// Threads: a backend lives on the control thread; start(), sendFrame(),
// lineStatus(), openBearer() and its callbacks all run there.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>

#include <nlohmann/json.hpp>

#include "core/event_loop.hpp"
#include "core/result.hpp"
#include "tdm/bearer.hpp"
#include "tdm/span.hpp"

namespace outpost::tdm {

struct LineStatus {
  bool connected = false;  // a far end is there (emulated) / the device is open (DAHDI)
  Alarms alarms;
  std::string detail;  // one line a person reads: "no far end at /run/x.sock"
};

class SpanBackend {
 public:
  struct Callbacks {
    // One D-channel frame from the far end, without FCS.
    std::function<void(std::span<const uint8_t>)> frame;
    // The line changed (connection, alarms): read lineStatus().
    std::function<void()> lineChanged;
  };

  virtual ~SpanBackend() = default;
  virtual const char* kind() const = 0;  // "emulated" or "dahdi"
  virtual std::string describe() const = 0;
  virtual const SpanLayout& layout() const = 0;
  virtual Law law() const = 0;

  virtual core::Status start(core::EventLoop& loop, Callbacks callbacks) = 0;
  // One D-channel frame toward the far end, without FCS. False when it was
  // dropped (no far end, line down).
  virtual bool sendFrame(std::span<const uint8_t> frame) = 0;
  virtual LineStatus lineStatus() const = 0;
  // The bearer side, to hand to a media thread. One open port per span.
  virtual core::Result<std::unique_ptr<BearerPort>> openBearer() = 0;
  virtual nlohmann::json stats() const = 0;
};

}  // namespace outpost::tdm
