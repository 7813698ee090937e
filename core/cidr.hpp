// IP addresses and CIDR prefixes (IPv4 and IPv6) as plain values, for trust
// lists (which SIP peers may call) and, later, the E911 wiremap's subnets.
// Parsing and matching only; no sockets. Any thread.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace outpost::core {

struct IpAddress {
  bool v6 = false;
  std::array<uint8_t, 16> bytes{};  // IPv4 in the first 4
  static std::optional<IpAddress> parse(std::string_view text);
  std::string str() const;
  bool operator==(const IpAddress&) const = default;
};

struct Cidr {
  IpAddress base;
  int prefix = 0;
  // "10.0.0.0/8", "127.0.0.1" (a single host), "fd00::/8".
  static std::optional<Cidr> parse(std::string_view text);
  bool contains(const IpAddress& a) const;
  std::string str() const;
};

// "a, b c" -> list; nullopt naming the first bad item in `bad`.
std::optional<std::vector<Cidr>> parseCidrList(std::string_view text, std::string* bad = nullptr);

// "host:port", "[v6]:port" or "host" (port = fallback).
struct HostPort {
  std::string host;
  int port = 0;
  static std::optional<HostPort> parse(std::string_view text, int fallbackPort);
  std::string str() const;
};

}  // namespace outpost::core
