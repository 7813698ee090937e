#include "core/cidr.hpp"

#include <arpa/inet.h>

#include <cstring>

#include "core/strings.hpp"

namespace outpost::core {

std::optional<IpAddress> IpAddress::parse(std::string_view text) {
  std::string s(trim(text));
  IpAddress a;
  if (inet_pton(AF_INET, s.c_str(), a.bytes.data()) == 1) return a;
  a.v6 = true;
  if (inet_pton(AF_INET6, s.c_str(), a.bytes.data()) == 1) {
    // IPv4-mapped IPv6 (::ffff:a.b.c.d) compares as IPv4.
    static const uint8_t mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    if (std::memcmp(a.bytes.data(), mapped, 12) == 0) {
      IpAddress v4;
      std::memcpy(v4.bytes.data(), a.bytes.data() + 12, 4);
      return v4;
    }
    return a;
  }
  return std::nullopt;
}

std::string IpAddress::str() const {
  char buf[INET6_ADDRSTRLEN] = {};
  inet_ntop(v6 ? AF_INET6 : AF_INET, bytes.data(), buf, sizeof buf);
  return buf;
}

std::optional<Cidr> Cidr::parse(std::string_view text) {
  text = trim(text);
  size_t slash = text.find('/');
  auto ip = IpAddress::parse(text.substr(0, slash));
  if (!ip) return std::nullopt;
  int max = ip->v6 ? 128 : 32;
  int prefix = max;
  if (slash != std::string_view::npos) {
    auto p = parseInt(text.substr(slash + 1));
    if (!p || *p < 0 || *p > max) return std::nullopt;
    prefix = static_cast<int>(*p);
  }
  Cidr c{*ip, prefix};
  // Normalise the host bits away so str() shows what matches.
  for (int i = 0; i < 16; ++i) {
    int bitsHere = std::max(0, std::min(8, prefix - i * 8));
    c.base.bytes[static_cast<size_t>(i)] &=
        static_cast<uint8_t>(bitsHere ? 0xff << (8 - bitsHere) : 0);
  }
  return c;
}

bool Cidr::contains(const IpAddress& a) const {
  if (a.v6 != base.v6) return false;
  int full = prefix / 8, rest = prefix % 8;
  if (std::memcmp(a.bytes.data(), base.bytes.data(), static_cast<size_t>(full)) != 0) return false;
  if (rest == 0) return true;
  uint8_t mask = static_cast<uint8_t>(0xff << (8 - rest));
  return (a.bytes[static_cast<size_t>(full)] & mask) == base.bytes[static_cast<size_t>(full)];
}

std::string Cidr::str() const {
  return base.str() + "/" + std::to_string(prefix);
}

std::optional<std::vector<Cidr>> parseCidrList(std::string_view text, std::string* bad) {
  std::vector<Cidr> out;
  std::string normalised(text);
  for (char& c : normalised) {
    if (c == ',') c = ' ';
  }
  for (const auto& item : split(normalised, ' ')) {
    auto c = Cidr::parse(item);
    if (!c) {
      if (bad) *bad = item;
      return std::nullopt;
    }
    out.push_back(*c);
  }
  return out;
}

std::optional<HostPort> HostPort::parse(std::string_view text, int fallbackPort) {
  text = trim(text);
  if (text.empty()) return std::nullopt;
  HostPort hp;
  hp.port = fallbackPort;
  std::string_view portPart;
  if (text[0] == '[') {
    size_t close = text.find(']');
    if (close == std::string_view::npos) return std::nullopt;
    hp.host = std::string(text.substr(1, close - 1));
    if (close + 1 < text.size()) {
      if (text[close + 1] != ':') return std::nullopt;
      portPart = text.substr(close + 2);
    }
  } else {
    size_t colon = text.rfind(':');
    if (colon != std::string_view::npos && text.find(':') == colon) {
      hp.host = std::string(text.substr(0, colon));
      portPart = text.substr(colon + 1);
    } else {
      hp.host = std::string(text);
    }
  }
  if (hp.host.empty()) return std::nullopt;
  for (char c : hp.host) {
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' || c == ':')) {
      return std::nullopt;
    }
  }
  if (!portPart.empty()) {
    auto p = parseInt(portPart);
    if (!p || *p < 1 || *p > 65535) return std::nullopt;
    hp.port = static_cast<int>(*p);
  } else if (text.back() == ':') {
    return std::nullopt;
  }
  return hp;
}

std::string HostPort::str() const {
  bool v6 = host.find(':') != std::string::npos;
  return (v6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

}  // namespace outpost::core
