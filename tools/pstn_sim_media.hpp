// The audio of one pstn-sim call, one 20 ms B-channel frame at a time: what
// the simulated network sends (in-band progress tones before answer; after
// answer: echo of what it hears, a tone, DTMF digits) and what it does with
// what arrives (detect DTMF, record to a WAV file). Built on media/'s G.711,
// DTMF and tone pieces. Owned by pstn-sim's one thread.
#pragma once

#include <cstdio>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "core/handle.hpp"
#include "core/result.hpp"
#include "media/dtmf.hpp"
#include "media/g711.hpp"
#include "media/tone.hpp"
#include "tools/pstn_sim_rules.hpp"

namespace outpost::tools {

// 8 kHz 16-bit mono PCM WAV, sizes patched in on close.
class WavWriter {
 public:
  static core::Result<std::unique_ptr<WavWriter>> create(const std::string& path);
  ~WavWriter();
  void write(std::span<const int16_t> samples);
  core::Status close();
  uint64_t samples() const { return samples_; }
  const std::string& path() const { return path_; }

 private:
  WavWriter(std::string path, std::FILE* f) : path_(std::move(path)), file_(f) {}
  std::string path_;
  std::FILE* file_;
  uint64_t samples_ = 0;
  bool failed_ = false;
};

// "ringback", "busy", "1004", "440+480" -> a continuous or cadenced tone.
std::optional<media::ToneSpec> toneFromText(std::string_view text);

class CallMedia {
 public:
  using DigitFn = std::function<void(char digit)>;

  CallMedia(media::Law law, DigitFn onDigit);
  ~CallMedia();

  // Before answer: an in-band tone (ringback, busy, ...), or none.
  void playEarly(std::optional<media::ToneSpec> tone);
  // At answer: start the rule's media actions. A record action writes to
  // `recordPath`.
  core::Status start(const std::vector<MediaAction>& actions, const std::string& recordPath);
  // Replaces the running actions (command `media`).
  core::Status change(const std::vector<MediaAction>& actions, const std::string& recordPath);
  // Plays digits in-band now, over whatever else is sent.
  core::Status sendDtmf(std::string_view digits);

  // One tick: `rx` arrived from the far end, `tx` (prefilled with idle) goes to it.
  void onFrame(std::span<const uint8_t> rx, std::span<uint8_t> tx);
  // Ends recording; returns the seconds recorded (0 without a recording).
  double finish();

  bool recording() const { return wav_ != nullptr; }
  std::string recordPath() const { return wav_ ? wav_->path() : ""; }
  std::string describe() const;

 private:
  media::Law law_;
  DigitFn on_digit_;
  std::vector<MediaAction> actions_;
  std::unique_ptr<media::ToneGenerator> early_;
  std::unique_ptr<media::ToneGenerator> tone_;
  media::DtmfGenerator dtmf_out_;
  std::unique_ptr<media::DtmfDetector> detector_;
  std::unique_ptr<WavWriter> wav_;
  bool echo_ = false;
  bool answered_ = false;
  std::string pending_digits_;  // a dtmf: action waits a little after answer
  int delay_ticks_ = 0;
};

}  // namespace outpost::tools
