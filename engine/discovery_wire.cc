#include "engine/discovery_wire.h"

#include <charconv>
#include <cstdio>
#include <map>

namespace shoal::engine {
namespace {

constexpr std::string_view kKinds[] = {"FIND", "HAVE", "META"};

std::string Hex(std::string_view bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  for (unsigned char c : bytes) {
    out += kDigits[c >> 4];
    out += kDigits[c & 15];
  }
  return out;
}

bool Unhex(std::string_view text, std::string* out) {
  if (text.size() % 2 != 0) return false;
  out->clear();
  for (std::size_t i = 0; i < text.size(); i += 2) {
    unsigned v = 0;
    const auto r = std::from_chars(text.data() + i, text.data() + i + 2, v, 16);
    if (r.ec != std::errc() || r.ptr != text.data() + i + 2) return false;
    out->push_back(static_cast<char>(v));
  }
  return true;
}

template <typename T>
bool Number(std::string_view text, int base, T* out) {
  if (text.empty() || text.size() > 20) return false;
  const auto r = std::from_chars(text.data(), text.data() + text.size(), *out, base);
  return r.ec == std::errc() && r.ptr == text.data() + text.size();
}

}  // namespace

std::string EncodeDiscovery(const DiscoveryMessage& m) {
  char nonce[17];
  std::snprintf(nonce, sizeof nonce, "%016llx", static_cast<unsigned long long>(m.nonce));
  std::string out = "SHOAL-" + std::string(kKinds[static_cast<int>(m.kind)]) + " 1\r\n";
  out += "Sha256: " + Hex(m.sha256) + "\r\n";
  out += "Nonce: " + std::string(nonce) + "\r\n";
  if (m.kind == DiscoveryKind::kHave) {
    out += "Port: " + std::to_string(m.bt_port) + "\r\n";
    out += "Meta-Port: " + std::to_string(m.meta_port) + "\r\n";
  }
  return out + "\r\n";
}

std::optional<DiscoveryMessage> ParseDiscovery(std::string_view bytes, std::string* why) {
  auto fail = [why](const char* text) {
    *why = text;
    return std::nullopt;
  };
  if (bytes.size() > kDiscoveryMessageMax) return fail("longer than a discovery message");
  const std::size_t end = bytes.find("\r\n\r\n");
  if (end == std::string_view::npos) return fail("no blank line ends it");
  bytes = bytes.substr(0, end + 2);
  DiscoveryMessage m;
  std::size_t eol = bytes.find("\r\n");
  const std::string_view first = bytes.substr(0, eol);
  bool known = false;
  for (int k = 0; k < 3; ++k) {
    if (first == "SHOAL-" + std::string(kKinds[k]) + " 1") {
      m.kind = static_cast<DiscoveryKind>(k);
      known = true;
    }
  }
  if (!known) return fail("not a shoal discovery message of version 1");
  std::map<std::string, std::string_view, std::less<>> fields;
  for (std::size_t at = eol + 2; at < bytes.size(); at = eol + 2) {
    eol = bytes.find("\r\n", at);
    const std::string_view line = bytes.substr(at, eol - at);
    const std::size_t colon = line.find(": ");
    if (colon == std::string_view::npos || colon == 0) return fail("a line is not 'Name: value'");
    if (!fields.emplace(std::string(line.substr(0, colon)), line.substr(colon + 2)).second) {
      return fail("a field is given twice");
    }
  }
  const auto sha = fields.find("Sha256");
  if (sha == fields.end() || sha->second.size() != 64 || !Unhex(sha->second, &m.sha256)) {
    return fail("no Sha256 of 64 hex digits");
  }
  const auto nonce = fields.find("Nonce");
  if (nonce == fields.end() || nonce->second.size() != 16 || !Number(nonce->second, 16, &m.nonce)) {
    return fail("no Nonce of 16 hex digits");
  }
  if (m.kind == DiscoveryKind::kHave) {
    const auto port = fields.find("Port");
    const auto meta = fields.find("Meta-Port");
    if (port == fields.end() || !Number(port->second, 10, &m.bt_port) || m.bt_port == 0 ||
        meta == fields.end() || !Number(meta->second, 10, &m.meta_port) || m.meta_port == 0) {
      return fail("an answer without its Port and Meta-Port (1 to 65535)");
    }
  }
  return m;
}

}  // namespace shoal::engine
