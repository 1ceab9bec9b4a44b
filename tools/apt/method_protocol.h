// apt's method protocol (apt's doc/method.dbk and acquire-method.cc): messages are a status
// line "NNN Text" and "Field: value" lines, ended by an empty line. MessageReader cuts them
// out of a byte stream from apt (untrusted: bounded, every malformed message a clear error;
// fuzzed by tests/fuzz/apt_message_fuzz.cc); Format writes one. AcquireRequest is a
// `600 URI Acquire` read and checked. Thread-compatible.
#pragma once

#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace shoal::apt {

struct Message {
  int code = 0;                                             // 100, 600, 201...
  std::string text;                                         // "Capabilities", "URI Acquire"...
  std::vector<std::pair<std::string, std::string>> fields;  // in order; names as sent

  // The first field of that name (apt's names are case-insensitive), or empty.
  std::string Get(std::string_view name) const;
  bool Has(std::string_view name) const;
  Message& Set(std::string name, std::string value);
};

// One message as apt reads it: status line, fields, an empty line.
std::string Format(const Message& m);

class MessageReader {
 public:
  // apt's 601 Configuration carries its whole configuration (130 items and 10 KiB on a bare
  // Debian 12, far more with many apt.conf.d snippets): room for that, still bounded.
  static constexpr std::size_t kMaxMessageBytes = 1024 * 1024;
  static constexpr std::size_t kMaxFields = 16384;

  // Appends bytes read from apt.
  void Feed(std::string_view bytes);
  // The next whole message, if one is buffered. A malformed one sets error() and returns
  // none; the reader is then spent (the stream cannot be trusted to resynchronise).
  std::optional<Message> Next();
  const std::string& error() const { return error_; }

 private:
  std::string buf_;
  std::string error_;
};

// A `600 URI Acquire`, checked: what to fetch, where, and what apt expects of the bytes.
struct AcquireRequest {
  std::string uri;       // as apt sent it (replies name it)
  std::string url;       // what is fetched: the URI with a "shoal+" scheme prefix removed
  std::string filename;  // where apt wants the file (absolute)
  std::map<std::string, std::string> expected;  // "SHA256" -> hex digest, lower case
  std::optional<unsigned long long> expected_size;
  std::optional<unsigned long long> maximum_size;
  std::string last_modified;  // for If-Modified-Since (an RFC 7231 date), or empty
  bool index_file = false;    // an index (Packages, Release...): plain HTTP, revalidated
};

// The request, or none with *error saying which field is wrong.
std::optional<AcquireRequest> ParseAcquire(const Message& m, std::string* error);

}  // namespace shoal::apt
