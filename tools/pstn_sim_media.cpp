#include "tools/pstn_sim_media.hpp"

#include <array>
#include <cerrno>
#include <cstring>

#include "core/strings.hpp"
#include "media/audio.hpp"

namespace outpost::tools {

namespace {

void le16(std::FILE* f, uint16_t v) {
  uint8_t b[2] = {static_cast<uint8_t>(v), static_cast<uint8_t>(v >> 8)};
  std::fwrite(b, 1, 2, f);
}
void le32(std::FILE* f, uint32_t v) {
  uint8_t b[4] = {static_cast<uint8_t>(v), static_cast<uint8_t>(v >> 8),
                  static_cast<uint8_t>(v >> 16), static_cast<uint8_t>(v >> 24)};
  std::fwrite(b, 1, 4, f);
}

void writeWavHeader(std::FILE* f, uint32_t dataBytes) {
  std::fwrite("RIFF", 1, 4, f);
  le32(f, 36 + dataBytes);
  std::fwrite("WAVEfmt ", 1, 8, f);
  le32(f, 16);     // fmt chunk size
  le16(f, 1);      // PCM
  le16(f, 1);      // mono
  le32(f, 8000);   // sample rate
  le32(f, 16000);  // byte rate
  le16(f, 2);      // block align
  le16(f, 16);     // bits per sample
  std::fwrite("data", 1, 4, f);
  le32(f, dataBytes);
}

constexpr int kDtmfDelayTicks = 15;  // 300 ms after answer, so the far end listens

}  // namespace

core::Result<std::unique_ptr<WavWriter>> WavWriter::create(const std::string& path) {
  std::FILE* f = std::fopen(path.c_str(), "wbe");
  if (!f) return core::errnoError("cannot record to " + path, errno);
  writeWavHeader(f, 0);
  return std::unique_ptr<WavWriter>(new WavWriter(path, f));
}

WavWriter::~WavWriter() {
  (void)close();
}

void WavWriter::write(std::span<const int16_t> samples) {
  if (!file_ || failed_) return;
  for (int16_t s : samples)
    le16(file_, static_cast<uint16_t>(s));
  if (std::ferror(file_)) failed_ = true;
  samples_ += samples.size();
}

core::Status WavWriter::close() {
  if (!file_) return {};
  std::fseek(file_, 0, SEEK_SET);
  writeWavHeader(file_, static_cast<uint32_t>(samples_ * 2));
  bool bad = failed_ || std::ferror(file_);
  std::fclose(file_);
  file_ = nullptr;
  if (bad) return core::ioError("writing " + path_ + " failed (disk full?)");
  return {};
}

std::optional<media::ToneSpec> toneFromText(std::string_view text) {
  if (auto t = media::tones::byName(text)) return t;
  auto parts = core::split(text, '+');
  if (parts.empty() || parts.size() > 2) return std::nullopt;
  media::ToneSpec s;
  auto f1 = core::parseInt(parts[0]);
  if (!f1 || *f1 < 50 || *f1 > 3900) return std::nullopt;
  s.freq1 = static_cast<int>(*f1);
  if (parts.size() == 2) {
    auto f2 = core::parseInt(parts[1]);
    if (!f2 || *f2 < 50 || *f2 > 3900) return std::nullopt;
    s.freq2 = static_cast<int>(*f2);
  }
  return s;
}

CallMedia::CallMedia(media::Law law, DigitFn onDigit) : law_(law), on_digit_(std::move(onDigit)) {}

CallMedia::~CallMedia() {
  finish();
}

void CallMedia::playEarly(std::optional<media::ToneSpec> tone) {
  early_ = tone ? std::make_unique<media::ToneGenerator>(*tone) : nullptr;
}

core::Status CallMedia::start(const std::vector<MediaAction>& actions,
                              const std::string& recordPath) {
  answered_ = true;
  early_.reset();
  return change(actions, recordPath);
}

core::Status CallMedia::change(const std::vector<MediaAction>& actions,
                               const std::string& recordPath) {
  echo_ = false;
  tone_.reset();
  detector_.reset();
  pending_digits_.clear();
  core::Status result;
  bool record = false;
  for (const auto& a : actions) {
    switch (a.kind) {
      case MediaAction::Kind::kEcho:
        echo_ = true;
        break;
      case MediaAction::Kind::kTone:
        if (auto t = toneFromText(a.arg)) tone_ = std::make_unique<media::ToneGenerator>(*t);
        break;
      case MediaAction::Kind::kDtmf:
        pending_digits_ = a.arg;
        delay_ticks_ = kDtmfDelayTicks;
        break;
      case MediaAction::Kind::kRecord:
        record = true;
        break;
      case MediaAction::Kind::kDetect:
        detector_ = std::make_unique<media::DtmfDetector>([this](char d, bool started, uint64_t) {
          if (started && on_digit_) on_digit_(d);
        });
        break;
      case MediaAction::Kind::kSilence:
        break;
    }
  }
  if (record && !wav_) {
    auto w = WavWriter::create(recordPath);
    if (w) {
      wav_ = std::move(*w);
    } else {
      result = w.status();
    }
  } else if (!record && wav_) {
    finish();
  }
  actions_ = actions;
  return result;
}

core::Status CallMedia::sendDtmf(std::string_view digits) {
  return dtmf_out_.play(digits);
}

void CallMedia::onFrame(std::span<const uint8_t> rx, std::span<uint8_t> tx) {
  std::array<int16_t, media::kFrameSamples> in{}, out{};
  if (!answered_) {
    if (early_) {
      size_t n = early_->generate(out);
      if (n) media::encode(law_, std::span<const int16_t>(out.data(), n), tx);
    }
    return;
  }
  if (detector_ || wav_) {
    media::decode(law_, rx, in);
    if (detector_) detector_->process(in);
    if (wav_) wav_->write(in);
  }
  if (!pending_digits_.empty() && --delay_ticks_ <= 0) {
    (void)dtmf_out_.play(pending_digits_);  // checked when the rule was read
    pending_digits_.clear();
  }
  if (dtmf_out_.active()) {
    std::fill(out.begin(), out.end(), 0);
    dtmf_out_.generate(out);
    media::encode(law_, out, tx);
  } else if (tone_) {
    size_t n = tone_->generate(out);
    if (n) media::encode(law_, std::span<const int16_t>(out.data(), n), tx);
  } else if (echo_) {
    std::copy(rx.begin(), rx.end(), tx.begin());
  }
}

double CallMedia::finish() {
  if (!wav_) return 0;
  double secs = static_cast<double>(wav_->samples()) / media::kSampleRate;
  (void)wav_->close();
  wav_.reset();
  return secs;
}

std::string CallMedia::describe() const {
  std::vector<std::string> parts;
  for (const auto& a : actions_)
    parts.push_back(mediaActionText(a));
  return core::join(parts, ",");
}

}  // namespace outpost::tools
