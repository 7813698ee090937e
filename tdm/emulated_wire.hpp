// The wire format of an emulated span: the messages the two ends of a span
// exchange over UNIX SOCK_SEQPACKET sockets, one message per datagram. A line
// connection carries the D-channel (one HDLC frame per message, without FCS)
// and line status (the alarm signals a framer would send); a bearer
// connection carries every timeslot of the line together, one 20 ms frame per
// message. Both start with a HELLO that names the line, so two ends that do
// not match refuse each other with a reason instead of garbling calls.
// Encoding and decoding are pure functions; any thread.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "core/result.hpp"
#include "tdm/types.hpp"

namespace outpost::tdm::wire {

enum class MsgType : uint8_t {
  kHello = 1,
  kDFrame = 2,
  kStatus = 3,
  kRefuse = 4,
  kBFrame = 5,
};
enum class ConnKind : uint8_t { kLine = 1, kBearer = 2 };

constexpr uint8_t kVersion = 1;
constexpr size_t kMaxDFrame = 1024;  // Q.921 N201 is 260; leave room
constexpr size_t kMaxMessage = 16 + 32 * 160;

struct Hello {
  ConnKind kind = ConnKind::kLine;
  LineType line = LineType::kT1;
  Law law = Law::kMulaw;
  Side side = Side::kCpe;
  std::string name;  // the sender's span name, for the far end's logs
};

// What a framer signals to the far end. los: we send no signal (the far end
// declares red); ais: we send all ones (blue); rai: we receive nothing usable
// (the far end declares yellow).
struct Status {
  bool los = false;
  bool ais = false;
  bool rai = false;
  bool operator==(const Status&) const = default;
};

struct BFrameHeader {
  uint32_t seq = 0;
  uint8_t slots = 0;
};
constexpr size_t kBFrameHeader = 7;  // type, seq(4), flags, slots

std::vector<uint8_t> encodeHello(const Hello& h);
std::vector<uint8_t> encodeDFrame(std::span<const uint8_t> frame);
std::vector<uint8_t> encodeStatus(const Status& s);
std::vector<uint8_t> encodeRefuse(const std::string& reason);
// Writes the header of a bearer frame in front of `slots` * 160 bytes.
void writeBFrameHeader(std::span<uint8_t> out, const BFrameHeader& h);

// Decoders check lengths and values and say what is wrong.
core::Result<MsgType> messageType(std::span<const uint8_t> msg);
core::Result<Hello> decodeHello(std::span<const uint8_t> msg);
core::Result<std::span<const uint8_t>> decodeDFrame(std::span<const uint8_t> msg);
core::Result<Status> decodeStatus(std::span<const uint8_t> msg);
std::string decodeRefuse(std::span<const uint8_t> msg);
// The header, after checking that `msg` holds exactly `slots` timeslots.
core::Result<BFrameHeader> decodeBFrame(std::span<const uint8_t> msg, int slots);

// Why two ends cannot form a span, or nullopt when they can.
std::optional<std::string> mismatch(const Hello& ours, const Hello& theirs);

}  // namespace outpost::tdm::wire
