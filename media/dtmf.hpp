// DTMF on 8 kHz linear audio, with SpanDSP underneath: a generator (dtmf_tx)
// for digit strings and for digits of open-ended length (an RFC 4733 event
// still in progress), a detector (dtmf_rx) that reports each digit's start and
// end, and a cheap per-block check for "this block sounds like a DTMF pair",
// used to mute tones out of audio before the detector has confirmed them.
// Also the digit <-> RFC 4733 event code mapping. SpanDSP itself is only
// touched in media/spandsp.cpp (its API differs between versions).
//
// Each object belongs to one thread at a time (a media thread, pstn-sim's
// loop, a test); objects may be moved between threads while idle.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string_view>

#include "core/result.hpp"

namespace outpost::media {

// '0'-'9' -> 0-9, '*' -> 10, '#' -> 11, 'A'-'D' (or a-d) -> 12-15; -1 otherwise.
int dtmfEventCode(char digit);
// 0-15 -> the digit ('A'-'D' upper case); '\0' for any other event code.
char dtmfDigit(int eventCode);
inline bool isDtmfDigit(char c) {
  return dtmfEventCode(c) >= 0;
}

class DtmfGenerator {
 public:
  // Level of the low-group tone in dBm0 (the high tone gets `twistDb` more).
  explicit DtmfGenerator(int levelDbm0 = -10, int twistDb = 0);
  ~DtmfGenerator();
  DtmfGenerator(DtmfGenerator&&) noexcept;
  DtmfGenerator& operator=(DtmfGenerator&&) noexcept;

  // Queues a digit string, each digit `on` long followed by `off` of silence.
  // A string with a non-DTMF character, or longer than 100 digits, is refused
  // and nothing of it is queued.
  core::Status play(std::string_view digits,
                    std::chrono::milliseconds on = std::chrono::milliseconds(100),
                    std::chrono::milliseconds off = std::chrono::milliseconds(100));
  // Starts one digit of yet unknown length, replacing whatever was playing.
  // It sounds until finish() or stop(). `levelDbm0` 0 keeps the default.
  void begin(char digit, int levelDbm0 = 0);
  // The digit begun last is `totalSamples` long in all: it stops once that
  // many samples have been generated (at once, if they already have).
  void finish(uint64_t totalSamples);
  // Silence from now on; the queue is emptied.
  void stop();

  bool active() const;
  // Samples of the current begin() digit generated so far.
  uint64_t played() const { return played_; }
  // Writes up to out.size() samples (tone, or the silent gaps of a string)
  // and returns how many; 0 when idle. Samples past the count are untouched.
  size_t generate(std::span<int16_t> out);

 private:
  struct State;
  std::unique_ptr<State> s_;
  int level_;
  int twist_;
  bool open_ended_ = false;
  uint64_t played_ = 0;
  uint64_t limit_ = 0;  // 0: no limit known yet
  bool string_active_ = false;
};

class DtmfDetector {
 public:
  // Called from process(): started=true when a digit is confirmed (SpanDSP
  // needs about two of its 12.75 ms blocks), started=false when it ended.
  // `atSample` counts samples fed since construction, at the point of report.
  using Callback = std::function<void(char digit, bool started, uint64_t atSample)>;
  explicit DtmfDetector(Callback cb);
  ~DtmfDetector();
  DtmfDetector(const DtmfDetector&) = delete;
  DtmfDetector& operator=(const DtmfDetector&) = delete;

  void process(std::span<const int16_t> samples);
  uint64_t samplesSeen() const { return seen_; }
  // The digit being heard, or '\0'.
  char current() const { return current_; }

 private:
  struct State;
  static void onRealtime(void* self, int code, int level, int delay);
  std::unique_ptr<State> s_;
  Callback cb_;
  uint64_t seen_ = 0;
  uint64_t chunk_end_ = 0;
  char current_ = 0;
};

// Is this block (ideally 80 samples, 10 ms) dominated by one low-group and one
// high-group DTMF frequency? Fast and deliberately eager; the detector above
// decides what a digit is. Safe on any thread.
bool looksLikeDtmf(std::span<const int16_t> block);

}  // namespace outpost::media
