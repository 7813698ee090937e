#include "tdm/emulated_wire.hpp"

#include <cstring>

namespace outpost::tdm::wire {

namespace {
constexpr uint8_t kMagic[4] = {'O', 'P', 'S', 'P'};
constexpr size_t kHelloFixed = 1 + 4 + 1 + 1 + 1 + 1 + 1;  // type magic version kind line law side
constexpr size_t kMaxName = 64;

std::string lineDesc(const Hello& h) {
  return std::string(lineTypeName(h.line)) + " " + lawName(h.law) + " " + sideName(h.side) +
         " side";
}

// A type byte followed by `body` (sized up front: g++ 12 misreads
// push_back-then-insert as an overflow).
std::vector<uint8_t> withType(MsgType t, std::span<const uint8_t> body) {
  std::vector<uint8_t> out(body.size() + 1);
  out[0] = static_cast<uint8_t>(t);
  if (!body.empty()) std::memcpy(out.data() + 1, body.data(), body.size());
  return out;
}

std::span<const uint8_t> bytesOf(const std::string& s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}
}  // namespace

std::vector<uint8_t> encodeHello(const Hello& h) {
  std::string body(reinterpret_cast<const char*>(kMagic), 4);
  body += static_cast<char>(kVersion);
  body += static_cast<char>(h.kind);
  body += static_cast<char>(h.line == LineType::kT1 ? 0 : 1);
  body += static_cast<char>(h.law == Law::kMulaw ? 0 : 1);
  body += static_cast<char>(h.side == Side::kCpe ? 0 : 1);
  body += h.name.substr(0, kMaxName);
  return withType(MsgType::kHello, bytesOf(body));
}

std::vector<uint8_t> encodeDFrame(std::span<const uint8_t> frame) {
  return withType(MsgType::kDFrame, frame);
}

std::vector<uint8_t> encodeStatus(const Status& s) {
  uint8_t flags = (s.los ? 1 : 0) | (s.ais ? 2 : 0) | (s.rai ? 4 : 0);
  return {static_cast<uint8_t>(MsgType::kStatus), flags};
}

std::vector<uint8_t> encodeRefuse(const std::string& reason) {
  return withType(MsgType::kRefuse, bytesOf(reason.substr(0, 512)));
}

void writeBFrameHeader(std::span<uint8_t> out, const BFrameHeader& h) {
  out[0] = static_cast<uint8_t>(MsgType::kBFrame);
  out[1] = static_cast<uint8_t>(h.seq >> 24);
  out[2] = static_cast<uint8_t>(h.seq >> 16);
  out[3] = static_cast<uint8_t>(h.seq >> 8);
  out[4] = static_cast<uint8_t>(h.seq);
  out[5] = 0;
  out[6] = h.slots;
}

core::Result<MsgType> messageType(std::span<const uint8_t> msg) {
  if (msg.empty()) return core::invalidArgument("empty message");
  uint8_t t = msg[0];
  if (t < 1 || t > 5) return core::invalidArgument("unknown message type " + std::to_string(t));
  return static_cast<MsgType>(t);
}

core::Result<Hello> decodeHello(std::span<const uint8_t> msg) {
  if (msg.size() < kHelloFixed || msg[0] != static_cast<uint8_t>(MsgType::kHello)) {
    return core::invalidArgument("HELLO is " + std::to_string(msg.size()) + " bytes; at least " +
                                 std::to_string(kHelloFixed) + " needed");
  }
  if (std::memcmp(msg.data() + 1, kMagic, 4) != 0) {
    return core::invalidArgument("not an Outpost emulated span (bad magic)");
  }
  if (msg[5] != kVersion) {
    return core::invalidArgument("protocol version " + std::to_string(msg[5]) + " (we speak " +
                                 std::to_string(kVersion) + ")");
  }
  Hello h;
  if (msg[6] != 1 && msg[6] != 2) return core::invalidArgument("unknown connection kind");
  h.kind = static_cast<ConnKind>(msg[6]);
  if (msg[7] > 1 || msg[8] > 1 || msg[9] > 1) return core::invalidArgument("bad line fields");
  h.line = msg[7] == 0 ? LineType::kT1 : LineType::kE1;
  h.law = msg[8] == 0 ? Law::kMulaw : Law::kAlaw;
  h.side = msg[9] == 0 ? Side::kCpe : Side::kNetwork;
  if (msg.size() - kHelloFixed > kMaxName) return core::invalidArgument("span name too long");
  for (size_t i = kHelloFixed; i < msg.size(); ++i) {
    char c = static_cast<char>(msg[i]);
    h.name += (c >= 0x20 && c < 0x7f) ? c : '?';
  }
  return h;
}

core::Result<std::span<const uint8_t>> decodeDFrame(std::span<const uint8_t> msg) {
  // Q.921 frames are at least 3 octets (address + control).
  if (msg.size() < 4) return core::invalidArgument("D-channel frame too short");
  if (msg.size() - 1 > kMaxDFrame) return core::invalidArgument("D-channel frame too long");
  return msg.subspan(1);
}

core::Result<Status> decodeStatus(std::span<const uint8_t> msg) {
  if (msg.size() != 2) return core::invalidArgument("STATUS must be 2 bytes");
  if (msg[1] & ~0x07) return core::invalidArgument("STATUS has unknown flags");
  return Status{(msg[1] & 1) != 0, (msg[1] & 2) != 0, (msg[1] & 4) != 0};
}

std::string decodeRefuse(std::span<const uint8_t> msg) {
  std::string r;
  for (size_t i = 1; i < msg.size() && i < 513; ++i) {
    char c = static_cast<char>(msg[i]);
    r += (c >= 0x20 && c < 0x7f) ? c : '?';
  }
  return r;
}

core::Result<BFrameHeader> decodeBFrame(std::span<const uint8_t> msg, int slots) {
  size_t want = kBFrameHeader + static_cast<size_t>(slots) * 160;
  if (msg.size() != want) {
    return core::invalidArgument("bearer frame is " + std::to_string(msg.size()) +
                                 " bytes; expected " + std::to_string(want));
  }
  if (msg[6] != slots) {
    return core::invalidArgument("bearer frame carries " + std::to_string(msg[6]) +
                                 " timeslots; the line has " + std::to_string(slots));
  }
  BFrameHeader h;
  h.seq = (uint32_t(msg[1]) << 24) | (uint32_t(msg[2]) << 16) | (uint32_t(msg[3]) << 8) | msg[4];
  h.slots = msg[6];
  return h;
}

std::optional<std::string> mismatch(const Hello& ours, const Hello& theirs) {
  if (ours.line != theirs.line || ours.law != theirs.law) {
    return "the far end is a " + lineDesc(theirs) + "; this span is a " + lineDesc(ours);
  }
  if (ours.side == theirs.side) {
    return std::string("both ends are the ") + sideName(ours.side) +
           " side; one must be cpe and the other network";
  }
  return std::nullopt;
}

}  // namespace outpost::tdm::wire
