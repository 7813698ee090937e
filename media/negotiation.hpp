// Media negotiation, the media side of SDP offer/answer (RFC 3264). The SIP
// side (gateway/, with Sofia's SDP parser) reads an m=audio line into a
// RemoteMedia; these functions decide the codec (PCMU or PCMA), the
// telephone-event payload (RFC 4733), the packet time and the direction, and
// return a MediaParams for the bridge plus the formats our own SDP must list.
// When nothing offered is usable the answer is an error whose message starts
// "no supported codec" (the SIP side answers 488). Plain values and pure
// functions: call from any thread (in practice the control thread).
#pragma once

#include <cstdint>
#include <iosfwd>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"
#include "media/g711.hpp"

namespace outpost::media {

enum class Codec : uint8_t { kPcmu, kPcma };
const char* codecName(Codec c);  // "PCMU" / "PCMA" (also the SDP encoding name)
std::ostream& operator<<(std::ostream& os, Codec c);
inline Law codecLaw(Codec c) {
  return c == Codec::kPcmu ? Law::kMuLaw : Law::kALaw;
}
inline Codec codecForLaw(Law l) {
  return l == Law::kMuLaw ? Codec::kPcmu : Codec::kPcma;
}
inline uint8_t staticPayloadType(Codec c) {
  return c == Codec::kPcmu ? 0 : 8;
}

// Direction of a stream as seen by one side (RFC 3264 section 5.1).
enum class Direction : uint8_t { kSendRecv, kSendOnly, kRecvOnly, kInactive };
const char* directionName(Direction d);  // "sendrecv", ...
std::optional<Direction> parseDirection(std::string_view name);
std::ostream& operator<<(std::ostream& os, Direction d);
inline bool sends(Direction d) {
  return d == Direction::kSendRecv || d == Direction::kSendOnly;
}
inline bool receives(Direction d) {
  return d == Direction::kSendRecv || d == Direction::kRecvOnly;
}
// The direction an answerer takes for an offered one (sendonly <-> recvonly).
Direction mirror(Direction d);

// One payload format of an m= line: a=rtpmap and a=fmtp, as written.
struct SdpFormat {
  int payloadType = 0;
  std::string encoding;  // "PCMU", "telephone-event"; empty for a static PT without rtpmap
  int clockRate = 0;     // 0: not given
  int channels = 1;
  std::string fmtp;  // "0-15" for telephone-event
};

// The far end's m=audio line and what goes with it.
struct RemoteMedia {
  std::string address;               // connection address; "0.0.0.0" is the old way to hold
  uint16_t port = 0;                 // 0: the stream is refused
  std::optional<uint16_t> rtcpPort;  // a=rtcp, else port + 1
  std::vector<SdpFormat> formats;    // in m= line order, the sender's preference
  std::optional<int> ptimeMs;        // a=ptime: how the far end wants to receive
  Direction direction = Direction::kSendRecv;
};

// What we offer and accept.
struct MediaPolicy {
  std::vector<Codec> codecs = {Codec::kPcmu, Codec::kPcma};  // our preference for offers
  bool telephoneEvents = true;
  uint8_t telephoneEventPt = 101;  // the dynamic PT we offer for it
  int ptimeMs = 20;                // what we ask to receive
};

// The outcome, for the bridge (remote address, payload types, codec, packet
// time, direction from our side) and for our SDP.
struct MediaParams {
  std::string remoteAddress;
  uint16_t remotePort = 0;
  uint16_t remoteRtcpPort = 0;
  Codec codec = Codec::kPcmu;
  uint8_t sendPt = 0;                  // the PT the far end expects
  uint8_t recvPt = 0;                  // the PT we expect
  std::optional<uint8_t> sendEventPt;  // telephone-event, when agreed
  std::optional<uint8_t> recvEventPt;
  int eventClockRate = 8000;
  int sendPtimeMs = 20;                        // our packets' length: the far end's ptime, 10-40
  int recvPtimeMs = 20;                        // the ptime in our SDP
  Direction direction = Direction::kSendRecv;  // what we do
  // Convenience for the tests and for early media: an address:port pair known.
  bool hasRemote() const { return !remoteAddress.empty() && remotePort != 0; }
};

// We answer the far end's offer: the first offered format we support (the
// offerer's order wins), telephone-event at 8000 Hz when offered, their PTs
// both ways.
core::Result<MediaParams> answerOffer(const RemoteMedia& offer, const MediaPolicy& policy);
// The formats our answer lists: the chosen codec, then telephone-event.
std::vector<SdpFormat> answerFormats(const MediaParams& params);

// The formats our offer lists, in our preference order.
std::vector<SdpFormat> offerFormats(const MediaPolicy& policy);
// The far end answered our offer (made with `policy`, in `offered` direction).
core::Result<MediaParams> acceptAnswer(const RemoteMedia& answer, const MediaPolicy& policy,
                                       Direction offered = Direction::kSendRecv);

}  // namespace outpost::media
