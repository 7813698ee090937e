// SDP text <-> media's view of it. Parsing uses Sofia's SDP parser (we write
// the glue, not the parser); building writes the few lines our offers and
// answers need. Pure functions; control thread in practice.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/result.hpp"
#include "media/negotiation.hpp"

namespace outpost::gateway {

// The first audio stream of an SDP body. Errors (malformed SDP, no audio
// stream, no address) say what was wrong; the caller answers 488 (or 400).
core::Result<media::RemoteMedia> parseAudioSdp(const std::string& sdp);

struct LocalSdp {
  std::string address;  // our RTP address (c= and o=)
  uint16_t port = 0;    // our RTP port; 0 refuses the stream
  std::vector<media::SdpFormat> formats;
  media::Direction direction = media::Direction::kSendRecv;
  int ptime_ms = 20;
  uint64_t session_id = 0;
  uint64_t version = 0;  // bump on every new offer or answer in a dialog
};
std::string buildSdp(const LocalSdp& sdp);

}  // namespace outpost::gateway
