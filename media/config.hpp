// The [media] section of the daemon's configuration: RTP address and port
// range, media threads, codecs and packet time, telephone-events, jitter
// buffer, timeouts, symmetric RTP and DTMF settings. The gateway adds
// mediaSectionSpec() to its schema (so typos are FILE:LINE errors with a
// suggestion) and builds the engine and the per-call bridge template from
// readMediaSettings(). Plain functions: any thread.
#pragma once

#include "core/config.hpp"
#include "core/result.hpp"
#include "media/bridge.hpp"
#include "media/media_engine.hpp"
#include "media/negotiation.hpp"

namespace outpost::media {

struct MediaSettings {
  MediaEngineConfig engine;
  BridgeConfig bridge;  // template for every call (params filled per call)
  MediaPolicy policy;   // what our SDP offers and accepts
};

core::SectionSpec mediaSectionSpec();
// Defaults when the file has no [media] section; errors name FILE:LINE.
core::Result<MediaSettings> readMediaSettings(const core::ConfigFile& file);

}  // namespace outpost::media
