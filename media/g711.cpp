#include "media/g711.hpp"

#include <array>
#include <cassert>
#include <ostream>

namespace outpost::media {
namespace {

// Segment (exponent) of a biased magnitude: the position of its highest set
// bit above the four mantissa bits, 0..7.
constexpr int segmentOf(int value, int firstBound) {
  int seg = 0;
  for (int bound = firstBound; seg < 8 && value > bound; bound = bound * 2 + 1)
    ++seg;
  return seg;
}

// µ-law works on 14-bit linear values; a magnitude is biased by 33 so that
// every segment's mantissa step doubles cleanly.
constexpr uint8_t ulawFrom14(int v14) {
  constexpr int kBias = 0x21;
  constexpr int kClip = 8159;
  int mask = 0xFF;
  if (v14 < 0) {
    v14 = -v14;
    mask = 0x7F;
  }
  if (v14 > kClip) v14 = kClip;
  v14 += kBias;
  int seg = segmentOf(v14, 0x3F);
  if (seg >= 8) return static_cast<uint8_t>(0x7F ^ mask);
  int mantissa = (v14 >> (seg + 1)) & 0x0F;
  return static_cast<uint8_t>(((seg << 4) | mantissa) ^ mask);
}

constexpr int16_t ulawDecode(uint8_t code) {
  int u = static_cast<uint8_t>(~code);
  int t = (((u & 0x0F) << 3) + 0x84) << ((u & 0x70) >> 4);
  return static_cast<int16_t>((u & 0x80) ? (0x84 - t) : (t - 0x84));
}

// A-law works on 13-bit linear values; positive values are even-bit inverted
// with 0xD5, negative ones (one's complement magnitude) with 0x55.
constexpr uint8_t alawFrom13(int v13) {
  int mask = 0xD5;
  if (v13 < 0) {
    mask = 0x55;
    v13 = -v13 - 1;
  }
  int seg = segmentOf(v13, 0x1F);
  if (seg >= 8) return static_cast<uint8_t>(0x7F ^ mask);
  int aval = seg << 4;
  aval |= seg < 2 ? (v13 >> 1) & 0x0F : (v13 >> seg) & 0x0F;
  return static_cast<uint8_t>(aval ^ mask);
}

constexpr int16_t alawDecode(uint8_t code) {
  int a = code ^ 0x55;
  int t = (a & 0x0F) << 4;
  int seg = (a & 0x70) >> 4;
  if (seg == 0) {
    t += 8;
  } else {
    t += 0x108;
    t <<= seg - 1;
  }
  return static_cast<int16_t>((a & 0x80) ? t : -t);
}

struct Tables {
  std::array<uint8_t, 16384> ulaw_enc{};  // index: (sample >> 2) + 8192
  std::array<uint8_t, 8192> alaw_enc{};   // index: (sample >> 3) + 4096
  std::array<int16_t, 256> ulaw_dec{};
  std::array<int16_t, 256> alaw_dec{};
  std::array<uint8_t, 256> u2a{};
  std::array<uint8_t, 256> a2u{};
};

constexpr Tables buildTables() {
  Tables t;
  for (int i = 0; i < 16384; ++i)
    t.ulaw_enc[i] = ulawFrom14(i - 8192);
  for (int i = 0; i < 8192; ++i)
    t.alaw_enc[i] = alawFrom13(i - 4096);
  for (int c = 0; c < 256; ++c) {
    t.ulaw_dec[c] = ulawDecode(static_cast<uint8_t>(c));
    t.alaw_dec[c] = alawDecode(static_cast<uint8_t>(c));
  }
  // µ <-> A through linear: each code maps to the other law's code nearest
  // to its decoded value (the decoded values sit mid-step, so re-encoding
  // lands on the nearest step).
  for (int c = 0; c < 256; ++c) {
    t.u2a[c] = t.alaw_enc[(t.ulaw_dec[c] >> 3) + 4096];
    t.a2u[c] = t.ulaw_enc[(t.alaw_dec[c] >> 2) + 8192];
  }
  return t;
}

constexpr Tables kTables = buildTables();

static_assert(kTables.ulaw_enc[8192] == 0xFF, "µ-law of 0 is 0xFF");
static_assert(kTables.alaw_enc[4096] == 0xD5, "A-law of 0 is 0xD5");
static_assert(kTables.ulaw_dec[0xFF] == 0 && kTables.alaw_dec[0xD5] == 8);

}  // namespace

const char* lawName(Law law) {
  return law == Law::kMuLaw ? "ulaw" : "alaw";
}

std::optional<Law> parseLaw(std::string_view name) {
  if (name == "ulaw" || name == "mulaw" || name == "u-law" || name == "pcmu") return Law::kMuLaw;
  if (name == "alaw" || name == "a-law" || name == "pcma") return Law::kALaw;
  return std::nullopt;
}

std::ostream& operator<<(std::ostream& os, Law law) {
  return os << lawName(law);
}

uint8_t linearToUlaw(int16_t s) {
  return kTables.ulaw_enc[(s >> 2) + 8192];
}
uint8_t linearToAlaw(int16_t s) {
  return kTables.alaw_enc[(s >> 3) + 4096];
}
int16_t ulawToLinear(uint8_t c) {
  return kTables.ulaw_dec[c];
}
int16_t alawToLinear(uint8_t c) {
  return kTables.alaw_dec[c];
}
uint8_t ulawToAlaw(uint8_t c) {
  return kTables.u2a[c];
}
uint8_t alawToUlaw(uint8_t c) {
  return kTables.a2u[c];
}

void encode(Law law, std::span<const int16_t> in, std::span<uint8_t> out) {
  assert(out.size() >= in.size());
  if (law == Law::kMuLaw) {
    for (size_t i = 0; i < in.size(); ++i)
      out[i] = kTables.ulaw_enc[(in[i] >> 2) + 8192];
  } else {
    for (size_t i = 0; i < in.size(); ++i)
      out[i] = kTables.alaw_enc[(in[i] >> 3) + 4096];
  }
}

void decode(Law law, std::span<const uint8_t> in, std::span<int16_t> out) {
  assert(out.size() >= in.size());
  const auto& table = law == Law::kMuLaw ? kTables.ulaw_dec : kTables.alaw_dec;
  for (size_t i = 0; i < in.size(); ++i)
    out[i] = table[in[i]];
}

void transcode(Law from, Law to, std::span<const uint8_t> in, std::span<uint8_t> out) {
  assert(out.size() >= in.size());
  if (from == to) {
    for (size_t i = 0; i < in.size(); ++i)
      out[i] = in[i];
    return;
  }
  const auto& table = from == Law::kMuLaw ? kTables.u2a : kTables.a2u;
  for (size_t i = 0; i < in.size(); ++i)
    out[i] = table[in[i]];
}

}  // namespace outpost::media
