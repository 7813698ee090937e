#include "media/negotiation.hpp"

#include <algorithm>
#include <cctype>
#include <ostream>

#include "core/strings.hpp"

namespace outpost::media {
namespace {

bool equalsNoCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

// The codec a format is, if it is one we speak: G.711 at 8 kHz, mono.
std::optional<Codec> codecOf(const SdpFormat& f) {
  if (f.channels != 1) return std::nullopt;
  if (f.clockRate != 0 && f.clockRate != 8000) return std::nullopt;
  if (f.encoding.empty()) {
    if (f.payloadType == 0) return Codec::kPcmu;
    if (f.payloadType == 8) return Codec::kPcma;
    return std::nullopt;
  }
  if (equalsNoCase(f.encoding, "PCMU")) return Codec::kPcmu;
  if (equalsNoCase(f.encoding, "PCMA")) return Codec::kPcma;
  return std::nullopt;
}

// Does an fmtp event list ("0-15", "0-11,12-15,16") include the digits 0-9,
// * and # (events 0-11)? No fmtp means 0-15 (RFC 4733 section 7.1.1).
bool coversDigits(const std::string& fmtp) {
  std::string list(core::trim(fmtp));
  if (list.empty()) return true;
  if (auto eq = list.find("events="); eq != std::string::npos) list = list.substr(eq + 7);
  bool have[12] = {};
  for (const auto& part : core::split(list, ',')) {
    std::string p(core::trim(part));
    int lo = -1, hi = -1;
    auto dash = p.find('-');
    try {
      lo = std::stoi(p.substr(0, dash));
      hi = dash == std::string::npos ? lo : std::stoi(p.substr(dash + 1));
    } catch (...) {
      continue;
    }
    for (int e = std::max(lo, 0); e <= std::min(hi, 11); ++e)
      have[e] = true;
  }
  return std::all_of(std::begin(have), std::end(have), [](bool b) { return b; });
}

// The first format (in the sender's order) that is a codec the policy allows.
const SdpFormat* firstSupported(const std::vector<SdpFormat>& formats, const MediaPolicy& policy,
                                Codec& codec) {
  for (const auto& f : formats) {
    auto c = codecOf(f);
    if (c && std::find(policy.codecs.begin(), policy.codecs.end(), *c) != policy.codecs.end()) {
      codec = *c;
      return &f;
    }
  }
  return nullptr;
}

const SdpFormat* telephoneEventOf(const std::vector<SdpFormat>& formats) {
  for (const auto& f : formats) {
    if (!equalsNoCase(f.encoding, "telephone-event")) continue;
    if (f.clockRate != 0 && f.clockRate != 8000) continue;  // must match G.711's clock
    if (f.payloadType < 96 || f.payloadType > 127) continue;
    if (coversDigits(f.fmtp)) return &f;
  }
  return nullptr;
}

std::string describe(const std::vector<SdpFormat>& formats) {
  std::string s;
  for (const auto& f : formats) {
    if (!s.empty()) s += ", ";
    s += std::to_string(f.payloadType);
    if (!f.encoding.empty()) s += " " + f.encoding + "/" + std::to_string(f.clockRate);
  }
  return s.empty() ? "none" : s;
}

core::Status commonChecks(const RemoteMedia& m, const char* what) {
  if (m.port == 0)
    return core::invalidArgument(std::string("no supported codec: the ") + what +
                                 " refuses the audio stream (port 0)");
  if (m.address.empty())
    return core::invalidArgument(std::string("the ") + what + " has no connection address");
  return {};
}

// The far end's direction, counting an old-style 0.0.0.0 hold as "do not
// send to me".
Direction effectiveRemote(const RemoteMedia& m) {
  if (m.address != "0.0.0.0") return m.direction;
  if (m.direction == Direction::kSendRecv) return Direction::kSendOnly;
  if (m.direction == Direction::kRecvOnly) return Direction::kInactive;
  return m.direction;
}

int sendPtime(const RemoteMedia& m) {
  // ptime is how the far end prefers to receive; outside 10-40 ms we keep 20.
  if (m.ptimeMs && *m.ptimeMs >= 10 && *m.ptimeMs <= 40) return *m.ptimeMs;
  return 20;
}

void fillRemote(MediaParams& p, const RemoteMedia& m) {
  p.remoteAddress = m.address;
  p.remotePort = m.port;
  p.remoteRtcpPort = m.rtcpPort ? *m.rtcpPort : static_cast<uint16_t>(m.port + 1);
  p.sendPtimeMs = sendPtime(m);
}

}  // namespace

std::ostream& operator<<(std::ostream& os, Codec c) {
  return os << codecName(c);
}
std::ostream& operator<<(std::ostream& os, Direction d) {
  return os << directionName(d);
}

const char* codecName(Codec c) {
  return c == Codec::kPcmu ? "PCMU" : "PCMA";
}

const char* directionName(Direction d) {
  switch (d) {
    case Direction::kSendRecv:
      return "sendrecv";
    case Direction::kSendOnly:
      return "sendonly";
    case Direction::kRecvOnly:
      return "recvonly";
    case Direction::kInactive:
      return "inactive";
  }
  return "?";
}

std::optional<Direction> parseDirection(std::string_view name) {
  for (auto d :
       {Direction::kSendRecv, Direction::kSendOnly, Direction::kRecvOnly, Direction::kInactive})
    if (name == directionName(d)) return d;
  return std::nullopt;
}

Direction mirror(Direction d) {
  if (d == Direction::kSendOnly) return Direction::kRecvOnly;
  if (d == Direction::kRecvOnly) return Direction::kSendOnly;
  return d;
}

core::Result<MediaParams> answerOffer(const RemoteMedia& offer, const MediaPolicy& policy) {
  if (auto st = commonChecks(offer, "offer"); !st) return st.error();
  MediaParams p;
  const SdpFormat* chosen = firstSupported(offer.formats, policy, p.codec);
  if (!chosen)
    return core::invalidArgument("no supported codec (offered: " + describe(offer.formats) +
                                 "; we take PCMU or PCMA at 8000 Hz)");
  fillRemote(p, offer);
  p.sendPt = p.recvPt = static_cast<uint8_t>(chosen->payloadType);
  if (policy.telephoneEvents) {
    if (const SdpFormat* te = telephoneEventOf(offer.formats))
      p.sendEventPt = p.recvEventPt = static_cast<uint8_t>(te->payloadType);
  }
  p.recvPtimeMs = policy.ptimeMs;
  p.direction = mirror(effectiveRemote(offer));
  return p;
}

std::vector<SdpFormat> answerFormats(const MediaParams& params) {
  std::vector<SdpFormat> out;
  out.push_back({params.recvPt, codecName(params.codec), 8000, 1, ""});
  if (params.recvEventPt) out.push_back({*params.recvEventPt, "telephone-event", 8000, 1, "0-15"});
  return out;
}

std::vector<SdpFormat> offerFormats(const MediaPolicy& policy) {
  std::vector<SdpFormat> out;
  for (Codec c : policy.codecs)
    out.push_back({staticPayloadType(c), codecName(c), 8000, 1, ""});
  if (policy.telephoneEvents)
    out.push_back({policy.telephoneEventPt, "telephone-event", 8000, 1, "0-15"});
  return out;
}

core::Result<MediaParams> acceptAnswer(const RemoteMedia& answer, const MediaPolicy& policy,
                                       Direction offered) {
  if (auto st = commonChecks(answer, "answer"); !st) return st.error();
  MediaParams p;
  const SdpFormat* chosen = firstSupported(answer.formats, policy, p.codec);
  if (!chosen)
    return core::invalidArgument("no supported codec in the answer (" + describe(answer.formats) +
                                 "; we offered " + describe(offerFormats(policy)) + ")");
  fillRemote(p, answer);
  p.sendPt = static_cast<uint8_t>(chosen->payloadType);
  p.recvPt = staticPayloadType(p.codec);
  if (policy.telephoneEvents) {
    if (const SdpFormat* te = telephoneEventOf(answer.formats)) {
      p.sendEventPt = static_cast<uint8_t>(te->payloadType);
      p.recvEventPt = policy.telephoneEventPt;
    }
  }
  p.recvPtimeMs = policy.ptimeMs;
  // What we do: what we offered, narrowed by what they answered.
  Direction theirs = effectiveRemote(answer);
  bool weSend = sends(offered) && receives(theirs);
  bool weRecv = receives(offered) && sends(theirs);
  p.direction = weSend ? (weRecv ? Direction::kSendRecv : Direction::kSendOnly)
                       : (weRecv ? Direction::kRecvOnly : Direction::kInactive);
  return p;
}

}  // namespace outpost::media
