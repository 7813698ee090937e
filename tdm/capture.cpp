#include "tdm/capture.hpp"

#include <cerrno>
#include <cstdint>
#include <vector>

namespace outpost::tdm {

namespace {
constexpr uint32_t kLinktypeLinuxLapd = 177;
constexpr uint16_t kPacketHost = 0;      // received by us
constexpr uint16_t kPacketOutgoing = 4;  // sent by us
constexpr uint16_t kArphrdLapd = 8445;
constexpr uint16_t kEthPLapd = 0x0030;

void le32(std::vector<uint8_t>& b, uint32_t v) {
  for (int i = 0; i < 4; ++i)
    b.push_back(static_cast<uint8_t>(v >> (8 * i)));
}
void le16(std::vector<uint8_t>& b, uint16_t v) {
  b.push_back(static_cast<uint8_t>(v));
  b.push_back(static_cast<uint8_t>(v >> 8));
}
void be16(std::vector<uint8_t>& b, uint16_t v) {
  b.push_back(static_cast<uint8_t>(v >> 8));
  b.push_back(static_cast<uint8_t>(v));
}
}  // namespace

core::Result<std::unique_ptr<DchannelCapture>> DchannelCapture::open(const std::string& path,
                                                                     bool weAreNetwork) {
  std::FILE* f = std::fopen(path.c_str(), "wbe");
  if (!f) return core::errnoError("cannot write capture " + path, errno);
  std::vector<uint8_t> h;
  le32(h, 0xa1b2c3d4);  // microsecond timestamps, written in our byte order
  le16(h, 2);
  le16(h, 4);
  le32(h, 0);  // GMT
  le32(h, 0);
  le32(h, 65535);
  le32(h, kLinktypeLinuxLapd);
  if (std::fwrite(h.data(), 1, h.size(), f) != h.size() || std::fflush(f) != 0) {
    int e = errno;
    std::fclose(f);
    return core::errnoError("cannot write capture " + path, e);
  }
  return std::unique_ptr<DchannelCapture>(new DchannelCapture(path, f, weAreNetwork));
}

void DchannelCapture::record(std::span<const uint8_t> frame, bool sent, core::WallTime when) {
  if (failed_) return;
  auto us = std::chrono::duration_cast<std::chrono::microseconds>(when.time_since_epoch()).count();
  std::vector<uint8_t> r;
  r.reserve(16 + 16 + frame.size());
  uint32_t len = static_cast<uint32_t>(16 + frame.size());
  le32(r, static_cast<uint32_t>(us / 1'000'000));
  le32(r, static_cast<uint32_t>(us % 1'000'000));
  le32(r, len);
  le32(r, len);
  // The cooked (SLL) header LINUX_LAPD uses: the packet type gives the
  // direction, the first address byte says whether we are the network.
  be16(r, sent ? kPacketOutgoing : kPacketHost);
  be16(r, kArphrdLapd);
  be16(r, 1);
  r.push_back(network_ ? 1 : 0);
  for (int i = 0; i < 7; ++i)
    r.push_back(0);
  be16(r, kEthPLapd);
  r.insert(r.end(), frame.begin(), frame.end());
  if (std::fwrite(r.data(), 1, r.size(), file_.get()) != r.size() ||
      std::fflush(file_.get()) != 0) {
    failed_ = true;  // a full disk stops the capture, never the span
    return;
  }
  ++frames_;
}

}  // namespace outpost::tdm
