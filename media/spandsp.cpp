// The one place that includes SpanDSP. Its API moves between versions (0.0.6
// in Debian 12: dtmf_tx_init takes no callback, the logging handler takes two
// arguments, later versions add a third), so a newer SpanDSP is a change to
// this file only. Everything here is behind media/dtmf.hpp and media/tone.hpp.
#include <spandsp.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <string>

#include "media/audio.hpp"
#include "media/dtmf.hpp"
#include "media/tone.hpp"

namespace outpost::media {
namespace {

constexpr const char* kDigits = "0123456789*#ABCD";

// Longest open-ended digit: an RFC 4733 event cannot say more than 0xFFFF
// samples per segment, and a stuck event is cut by the bridge long before.
constexpr int kOpenEndedOnMs = 60000;

}  // namespace

int dtmfEventCode(char digit) {
  if (digit >= 'a' && digit <= 'd') digit = static_cast<char>(digit - 'a' + 'A');
  for (int i = 0; i < 16; ++i)
    if (kDigits[i] == digit) return i;
  return -1;
}

char dtmfDigit(int eventCode) {
  return eventCode >= 0 && eventCode < 16 ? kDigits[eventCode] : '\0';
}

// ---------------------------------------------------------------------------
// DtmfGenerator

struct DtmfGenerator::State {
  dtmf_tx_state_t* tx = nullptr;
  ~State() {
    if (tx) dtmf_tx_free(tx);
  }
};

DtmfGenerator::DtmfGenerator(int levelDbm0, int twistDb)
    : s_(std::make_unique<State>()), level_(levelDbm0), twist_(twistDb) {
  s_->tx = dtmf_tx_init(nullptr);
  dtmf_tx_set_level(s_->tx, level_, twist_);
}

DtmfGenerator::~DtmfGenerator() = default;
DtmfGenerator::DtmfGenerator(DtmfGenerator&&) noexcept = default;
DtmfGenerator& DtmfGenerator::operator=(DtmfGenerator&&) noexcept = default;

core::Status DtmfGenerator::play(std::string_view digits, std::chrono::milliseconds on,
                                 std::chrono::milliseconds off) {
  for (char c : digits) {
    if (!isDtmfDigit(c))
      return core::invalidArgument(std::string("not a DTMF digit: '") + c + "' in \"" +
                                   std::string(digits) + "\"");
  }
  if (digits.size() > 100) return core::invalidArgument("DTMF string longer than 100 digits");
  if (on.count() <= 0 || off.count() < 0)
    return core::invalidArgument("DTMF timing must be positive");
  if (open_ended_) stop();
  std::string upper(digits);
  for (char& c : upper)
    c = dtmfDigit(dtmfEventCode(c));
  dtmf_tx_set_timing(s_->tx, static_cast<int>(on.count()), static_cast<int>(off.count()));
  dtmf_tx_set_level(s_->tx, level_, twist_);
  // dtmf_tx_put returns how many digits did not fit.
  if (dtmf_tx_put(s_->tx, upper.c_str(), static_cast<int>(upper.size())) != 0)
    return core::unavailable("DTMF generator queue is full");
  string_active_ = true;
  return {};
}

void DtmfGenerator::begin(char digit, int levelDbm0) {
  stop();
  if (!isDtmfDigit(digit)) return;
  char d[2] = {dtmfDigit(dtmfEventCode(digit)), 0};
  dtmf_tx_set_timing(s_->tx, kOpenEndedOnMs, 0);
  dtmf_tx_set_level(s_->tx, levelDbm0 != 0 ? levelDbm0 : level_, twist_);
  dtmf_tx_put(s_->tx, d, 1);
  open_ended_ = true;
  played_ = 0;
  limit_ = 0;
}

void DtmfGenerator::finish(uint64_t totalSamples) {
  if (!open_ended_) return;
  limit_ = std::max<uint64_t>(totalSamples, 1);
  if (played_ >= limit_) stop();
}

void DtmfGenerator::stop() {
  // Re-initialising is SpanDSP's way to drop the queue and the tone in progress.
  dtmf_tx_init(s_->tx);
  dtmf_tx_set_level(s_->tx, level_, twist_);
  open_ended_ = false;
  string_active_ = false;
  limit_ = 0;
}

bool DtmfGenerator::active() const {
  // dtmf_tx has no "busy" query: a queued string counts as active until
  // generate() comes back short.
  return open_ended_ || string_active_;
}

size_t DtmfGenerator::generate(std::span<int16_t> out) {
  if (out.empty()) return 0;
  size_t want = out.size();
  if (open_ended_ && limit_ > 0) want = std::min<uint64_t>(want, limit_ - played_);
  int n = dtmf_tx(s_->tx, out.data(), static_cast<int>(want));
  size_t got = n > 0 ? static_cast<size_t>(n) : 0;
  if (open_ended_) {
    played_ += got;
    if ((limit_ > 0 && played_ >= limit_) || got < want) stop();
  } else {
    string_active_ = got == want && got > 0;
  }
  return got;
}

// ---------------------------------------------------------------------------
// DtmfDetector

struct DtmfDetector::State {
  dtmf_rx_state_t* rx = nullptr;
  ~State() {
    if (rx) dtmf_rx_free(rx);
  }
};

namespace {
// Digits are reported through the realtime callback; this one only keeps
// dtmf_rx's internal digit buffer from filling up.
void discardDigits(void*, const char*, int) {}
}  // namespace

DtmfDetector::DtmfDetector(Callback cb) : s_(std::make_unique<State>()), cb_(std::move(cb)) {
  s_->rx = dtmf_rx_init(nullptr, discardDigits, nullptr);
  dtmf_rx_set_realtime_callback(s_->rx, &DtmfDetector::onRealtime, this);
}

DtmfDetector::~DtmfDetector() = default;

void DtmfDetector::onRealtime(void* self, int code, int /*level*/, int /*delay*/) {
  auto* d = static_cast<DtmfDetector*>(self);
  // Exceptions must not cross SpanDSP's C frames.
  try {
    if (code != 0) {
      if (d->current_ != 0 && d->cb_) d->cb_(d->current_, false, d->chunk_end_);
      d->current_ = static_cast<char>(code);
      if (d->cb_) d->cb_(d->current_, true, d->chunk_end_);
    } else if (d->current_ != 0) {
      char was = d->current_;
      d->current_ = 0;
      if (d->cb_) d->cb_(was, false, d->chunk_end_);
    }
  } catch (...) {
  }
}

void DtmfDetector::process(std::span<const int16_t> samples) {
  // Small chunks so that a report's position is known to within ~4 ms.
  constexpr size_t kChunk = 34;
  for (size_t off = 0; off < samples.size(); off += kChunk) {
    size_t n = std::min(kChunk, samples.size() - off);
    chunk_end_ = seen_ + n;
    dtmf_rx(s_->rx, samples.data() + off, static_cast<int>(n));
    seen_ += n;
  }
}

// ---------------------------------------------------------------------------
// Goertzel helpers

namespace {

// Power at `freq` over the block as an energy comparable to sum(x^2): SpanDSP's
// float Goertzel result for a sine of amplitude A over N samples is N^2 A^2 / 2,
// and that sine's energy over the block is N A^2 / 2.
double toneEnergy(std::span<const int16_t> block, double freq) {
  goertzel_descriptor_t desc;
  make_goertzel_descriptor(&desc, static_cast<float>(freq), static_cast<int>(block.size()));
  goertzel_state_t st;
  goertzel_init(&st, &desc);
  goertzel_update(&st, block.data(), static_cast<int>(block.size()));
  double r = goertzel_result(&st);
  return r / static_cast<double>(block.size());
}

double blockEnergy(std::span<const int16_t> block) {
  double e = 0;
  for (int16_t s : block)
    e += static_cast<double>(s) * s;
  return e;
}

double energyToDbm0(double energy, size_t n) {
  if (n == 0 || energy / static_cast<double>(n) < 1e-3) return -100;
  double fullSine = 32767.0 * 32767.0 / 2.0;
  return 3.14 + 10.0 * std::log10(energy / static_cast<double>(n) / fullSine);
}

}  // namespace

namespace {
// The eight DTMF frequencies through one interleaved Goertzel pass: eight
// independent recurrences side by side, which the compiler vectorises, where
// eight separate passes would each wait on their own dependency chain. This
// check runs on every B-channel block, so it is worth the few lines.
void dtmfEnergies(std::span<const int16_t> block, std::array<float, 8>& energy) {
  static const std::array<float, 8> kCoef = [] {
    constexpr std::array<double, 8> f = {697, 770, 852, 941, 1209, 1336, 1477, 1633};
    std::array<float, 8> c{};
    for (size_t k = 0; k < 8; ++k)
      c[k] = static_cast<float>(2.0 * std::cos(2.0 * M_PI * f[k] / 8000.0));
    return c;
  }();
  std::array<float, 8> s1{}, s2{};
  for (int16_t sample : block) {
    auto x = static_cast<float>(sample);
    for (size_t k = 0; k < 8; ++k) {
      float s0 = kCoef[k] * s1[k] - s2[k] + x;
      s2[k] = s1[k];
      s1[k] = s0;
    }
  }
  // |X|^2 = s1^2 + s2^2 - c s1 s2; a sine's energy over the block is 2|X|^2/N.
  auto n = static_cast<float>(block.size());
  for (size_t k = 0; k < 8; ++k)
    energy[k] = 2.0f * (s1[k] * s1[k] + s2[k] * s2[k] - kCoef[k] * s1[k] * s2[k]) / n;
}
}  // namespace

bool looksLikeDtmf(std::span<const int16_t> block) {
  if (block.size() < 40) return false;
  double total = blockEnergy(block);
  // Below about -45 dBm0 nothing downstream would detect a digit either.
  if (energyToDbm0(total, block.size()) < -45) return false;
  std::array<float, 8> e;
  dtmfEnergies(block, e);
  double low = *std::max_element(e.begin(), e.begin() + 4);
  double high = *std::max_element(e.begin() + 4, e.end());
  // One tone of each group, together most of the block's power. A tone that
  // fills only part of the block shows a share about equal to the part it
  // fills, so 0.35 flags a tone from about a third of a block on.
  if (low < total * 0.05 || high < total * 0.05) return false;
  return (low + high) >= 0.35 * total;
}

ToneDetector::Measurement ToneDetector::measure(std::span<const int16_t> block) const {
  Measurement m;
  if (block.empty()) return m;
  double total = blockEnergy(block);
  double tone = std::min(toneEnergy(block, freq_), total);
  m.totalDbm0 = energyToDbm0(total, block.size());
  m.toneDbm0 = energyToDbm0(tone, block.size());
  m.share = total > 0 ? tone / total : 0;
  return m;
}

bool ToneDetector::present(std::span<const int16_t> block, double minDbm0, double minShare) const {
  Measurement m = measure(block);
  return m.toneDbm0 >= minDbm0 && m.share >= minShare;
}

// ---------------------------------------------------------------------------
// ToneGenerator

struct ToneGenerator::State {
  tone_gen_descriptor_t* desc = nullptr;
  tone_gen_state_t* gen = nullptr;
  ~State() {
    if (gen) tone_gen_free(gen);
    if (desc) tone_gen_descriptor_free(desc);
  }
};

ToneGenerator::ToneGenerator(const ToneSpec& spec) : s_(std::make_unique<State>()) {
  // SpanDSP cadence: d1 on, d2 off, d3 on, d4 off. A continuous tone is one
  // long "on" that repeats.
  int on = spec.on.count() > 0 ? static_cast<int>(spec.on.count()) : kOpenEndedOnMs;
  int off = spec.on.count() > 0 ? static_cast<int>(spec.off.count()) : 0;
  bool repeat = spec.on.count() > 0 ? spec.repeat : true;
  s_->desc = tone_gen_descriptor_init(nullptr, spec.freq1, spec.level1Dbm0, spec.freq2,
                                      spec.level2Dbm0, on, off, 0, 0, repeat ? 1 : 0);
  s_->gen = tone_gen_init(nullptr, s_->desc);
}

ToneGenerator::~ToneGenerator() = default;
ToneGenerator::ToneGenerator(ToneGenerator&&) noexcept = default;
ToneGenerator& ToneGenerator::operator=(ToneGenerator&&) noexcept = default;

size_t ToneGenerator::generate(std::span<int16_t> out) {
  int n = tone_gen(s_->gen, out.data(), static_cast<int>(out.size()));
  return n > 0 ? static_cast<size_t>(n) : 0;
}

}  // namespace outpost::media
