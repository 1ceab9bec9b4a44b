#include "tools/apt/method_protocol.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstdio>

namespace shoal::apt {
namespace {

bool EqualsNoCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) {
    s.remove_suffix(1);
  }
  return s;
}

std::optional<unsigned long long> ParseSize(const std::string& s) {
  unsigned long long v = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size() || s.empty()) return std::nullopt;
  return v;
}

bool IsHex(const std::string& s) {
  return !s.empty() &&
         std::all_of(s.begin(), s.end(), [](unsigned char c) { return std::isxdigit(c) != 0; });
}

}  // namespace

std::string Message::Get(std::string_view name) const {
  for (const auto& [k, v] : fields) {
    if (EqualsNoCase(k, name)) return v;
  }
  return "";
}

bool Message::Has(std::string_view name) const {
  return std::any_of(fields.begin(), fields.end(),
                     [&](const auto& f) { return EqualsNoCase(f.first, name); });
}

Message& Message::Set(std::string name, std::string value) {
  fields.emplace_back(std::move(name), std::move(value));
  return *this;
}

std::string Format(const Message& m) {
  // Always three digits: "060 ..." is how a code below 100 reads back.
  char code[8];
  std::snprintf(code, sizeof code, "%03d", m.code % 1000);
  std::string out = std::string(code) + " " + m.text + "\n";
  for (const auto& [k, v] : m.fields) {
    // A value never carries a line break: it would start a field (or end the message).
    std::string value = v;
    std::replace(value.begin(), value.end(), '\n', ' ');
    std::replace(value.begin(), value.end(), '\r', ' ');
    out += k + ": " + value + "\n";
  }
  return out + "\n";
}

void MessageReader::Feed(std::string_view bytes) {
  if (error_.empty()) buf_.append(bytes);
}

std::optional<Message> MessageReader::Next() {
  if (!error_.empty()) return std::nullopt;
  // Blank lines between messages are allowed; a message ends at the first empty line.
  std::size_t start = 0;
  while (start < buf_.size() && (buf_[start] == '\n' || buf_[start] == '\r')) ++start;
  const std::size_t end = buf_.find("\n\n", start);
  const std::size_t end_crlf = buf_.find("\r\n\r\n", start);
  const std::size_t stop = std::min(end, end_crlf);
  if (stop == std::string::npos) {
    if (buf_.size() - start > kMaxMessageBytes)
      error_ = "a message longer than " + std::to_string(kMaxMessageBytes / 1024) + " KiB";
    if (start > 0) buf_.erase(0, start);
    return std::nullopt;
  }
  if (stop - start > kMaxMessageBytes) {
    error_ = "a message longer than " + std::to_string(kMaxMessageBytes / 1024) + " KiB";
    return std::nullopt;
  }
  const std::string_view text(buf_.data() + start, stop - start);
  Message m;
  std::size_t pos = 0;
  bool first = true;
  while (pos <= text.size()) {
    std::size_t nl = text.find('\n', pos);
    if (nl == std::string_view::npos) nl = text.size();
    const std::string_view line = Trim(text.substr(pos, nl - pos));
    pos = nl + 1;
    if (first) {
      first = false;
      // "NNN Text": three digits, a space, the text.
      if (line.size() < 4 || !std::isdigit(static_cast<unsigned char>(line[0])) ||
          !std::isdigit(static_cast<unsigned char>(line[1])) ||
          !std::isdigit(static_cast<unsigned char>(line[2])) || line[3] != ' ') {
        error_ = "a status line that is not 'NNN Text': '" + std::string(line.substr(0, 80)) + "'";
        return std::nullopt;
      }
      m.code = (line[0] - '0') * 100 + (line[1] - '0') * 10 + (line[2] - '0');
      m.text = std::string(Trim(line.substr(4)));
      continue;
    }
    if (line.empty()) continue;
    const std::size_t colon = line.find(':');
    if (colon == std::string_view::npos || Trim(line.substr(0, colon)).empty()) {
      error_ = "a field line without 'Name: value': '" + std::string(line.substr(0, 80)) + "'";
      return std::nullopt;
    }
    if (m.fields.size() >= kMaxFields) {
      error_ = "a message with more than " + std::to_string(kMaxFields) + " fields";
      return std::nullopt;
    }
    m.fields.emplace_back(std::string(Trim(line.substr(0, colon))),
                          std::string(Trim(line.substr(colon + 1))));
  }
  buf_.erase(0, stop + (stop == end ? 2 : 4));
  return m;
}

std::optional<AcquireRequest> ParseAcquire(const Message& m, std::string* error) {
  if (m.code != 600) {
    *error = "not a 600 URI Acquire";
    return std::nullopt;
  }
  AcquireRequest r;
  r.uri = m.Get("URI");
  r.filename = m.Get("Filename");
  r.url = r.uri;
  if (r.url.rfind("shoal+", 0) == 0) r.url.erase(0, 6);
  if (r.url.rfind("http://", 0) != 0 && r.url.rfind("https://", 0) != 0) {
    *error = "URI '" + r.uri + "': want http://, https://, shoal+http:// or shoal+https://";
    return std::nullopt;
  }
  if (r.filename.empty() || r.filename[0] != '/') {
    *error = "Filename '" + r.filename + "': want an absolute path";
    return std::nullopt;
  }
  for (const auto& [k, v] : m.fields) {
    static constexpr std::string_view kPrefix = "Expected-";
    if (k.size() <= kPrefix.size() || !EqualsNoCase(k.substr(0, kPrefix.size()), kPrefix)) {
      continue;
    }
    std::string kind = k.substr(kPrefix.size());
    if (EqualsNoCase(kind, "Checksum-FileSize")) {
      r.expected_size = ParseSize(v);
      if (!r.expected_size) {
        *error = k + " '" + v + "': want a byte count";
        return std::nullopt;
      }
      continue;
    }
    std::transform(kind.begin(), kind.end(), kind.begin(),
                   [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
    if (!IsHex(v)) {
      *error = k + " '" + v + "': want a hex digest";
      return std::nullopt;
    }
    std::string hex = v;
    std::transform(hex.begin(), hex.end(), hex.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    r.expected[kind] = hex;
  }
  if (const auto it = r.expected.find("SHA256");
      it != r.expected.end() && it->second.size() != 64) {
    *error = "Expected-SHA256 '" + it->second + "': want 64 hex digits";
    return std::nullopt;
  }
  if (m.Has("Maximum-Size")) {
    r.maximum_size = ParseSize(m.Get("Maximum-Size"));
    if (!r.maximum_size) {
      *error = "Maximum-Size '" + m.Get("Maximum-Size") + "': want a byte count";
      return std::nullopt;
    }
  }
  r.last_modified = m.Get("Last-Modified");
  const std::string index = m.Get("Index-File");
  r.index_file = EqualsNoCase(index, "true") || EqualsNoCase(index, "yes");
  return r;
}

}  // namespace shoal::apt
