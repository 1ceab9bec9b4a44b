#include "cache/request_target.h"

#include <algorithm>
#include <cctype>

namespace shoal::cache {
namespace {

constexpr std::size_t kMaxTarget = 8192;

RequestTarget Error(int status, std::string message) {
  RequestTarget t;
  t.status = status;
  t.message = std::move(message);
  return t;
}

bool HostOk(std::string_view host) {
  if (host.empty() || host.size() > 255) return false;
  return std::all_of(host.begin(), host.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' || c == ':' ||
           c == '[' || c == ']';
  });
}

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// "host[:port]" -> host, port (default_port when absent). False when malformed.
bool SplitAuthority(std::string_view a, std::string* host, std::uint16_t* port,
                    std::uint16_t default_port) {
  std::size_t colon = std::string_view::npos;
  if (!a.empty() && a[0] == '[') {
    const std::size_t close = a.find(']');
    if (close == std::string_view::npos) return false;
    if (close + 1 < a.size()) {
      if (a[close + 1] != ':') return false;
      colon = close + 1;
    }
  } else {
    colon = a.rfind(':');
  }
  *host = std::string(a.substr(0, colon));
  *port = default_port;
  if (colon != std::string_view::npos) {
    const std::string_view p = a.substr(colon + 1);
    if (p.empty() || p.size() > 5) return false;
    unsigned v = 0;
    for (char c : p) {
      if (c < '0' || c > '9') return false;
      v = v * 10 + static_cast<unsigned>(c - '0');
    }
    if (v == 0 || v > 65535) return false;
    *port = static_cast<std::uint16_t>(v);
  }
  return HostOk(*host);
}

// Removes the parameter `name` from a query ("a=1&name=v&b=2"), returning its value.
bool TakeParam(std::string* query, std::string_view name, std::string* value) {
  std::size_t pos = 0;
  while (pos <= query->size()) {
    std::size_t end = query->find('&', pos);
    if (end == std::string::npos) end = query->size();
    const std::string_view item = std::string_view(*query).substr(pos, end - pos);
    if (item.size() > name.size() && item.substr(0, name.size()) == name &&
        item[name.size()] == '=') {
      *value = std::string(item.substr(name.size() + 1));
      const std::size_t from = pos == 0 ? 0 : pos - 1;
      const std::size_t to = pos == 0 && end < query->size() ? end + 1 : end;
      query->erase(from, to - from);
      return true;
    }
    pos = end + 1;
  }
  return false;
}

std::string Url(const std::string& scheme, const std::string& host, std::uint16_t port,
                std::string_view path_and_query) {
  const bool default_port = (scheme == "http" && port == 80) || (scheme == "https" && port == 443);
  std::string url = scheme + "://" + Lower(host);
  if (!default_port) url += ":" + std::to_string(port);
  url += path_and_query.empty() ? std::string_view("/") : path_and_query;
  return url;
}

}  // namespace

std::string QueryValue(std::string_view query, std::string_view name) {
  std::string q(query), raw;
  if (!TakeParam(&q, name, &raw)) return "";
  std::string out;
  for (std::size_t i = 0; i < raw.size(); ++i) {
    if (raw[i] == '+') {
      out += ' ';
    } else if (raw[i] == '%') {
      const std::string hex = raw.substr(i + 1, 2);
      if (hex.size() != 2 || !std::isxdigit(static_cast<unsigned char>(hex[0])) ||
          !std::isxdigit(static_cast<unsigned char>(hex[1]))) {
        return "";
      }
      out += static_cast<char>(std::stoi(hex, nullptr, 16));
      i += 2;
    } else {
      out += raw[i];
    }
  }
  return out;
}

RequestTarget ResolveTarget(std::string_view method, std::string_view target,
                            const std::vector<std::uint16_t>& connect_ports) {
  if (target.empty()) return Error(400, "empty request target");
  if (target.size() > kMaxTarget) return Error(414, "request target longer than 8 KiB");
  for (char c : target) {
    if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7f) {
      return Error(400, "control byte or space in the request target");
    }
  }
  RequestTarget t;
  if (method == "CONNECT") {
    if (!SplitAuthority(target, &t.host, &t.port, 0) || t.port == 0) {
      return Error(400, "CONNECT needs host:port");
    }
    if (std::find(connect_ports.begin(), connect_ports.end(), t.port) == connect_ports.end()) {
      return Error(403, "CONNECT to port " + std::to_string(t.port) + " is not allowed");
    }
    t.kind = RequestTarget::Kind::kTunnel;
    return t;
  }
  if (method != "GET" && method != "HEAD") return Error(405, "only GET, HEAD and CONNECT");
  const std::string lower_start = Lower(target.substr(0, 8));
  if (lower_start.rfind("http://", 0) == 0) {
    const std::string_view rest = target.substr(7);
    const std::size_t slash = std::min(rest.find('/'), rest.find('?'));
    const std::string_view authority = rest.substr(0, slash);
    if (authority.find('@') != std::string_view::npos) return Error(400, "userinfo in the URL");
    std::string host;
    std::uint16_t port = 0;
    if (!SplitAuthority(authority, &host, &port, 80)) return Error(400, "bad host in the URL");
    std::string path = slash == std::string_view::npos ? "/" : std::string(rest.substr(slash));
    if (path[0] == '?') path = "/" + path;
    t.kind = RequestTarget::Kind::kFetch;
    t.url = Url("http", host, port, path);
    t.host = Lower(host);
    t.port = port;
    return t;
  }
  if (target[0] != '/') return Error(400, "the target is neither absolute nor a path");
  const std::size_t q = target.find('?');
  const std::string path(target.substr(0, q));
  std::string query = q == std::string_view::npos ? "" : std::string(target.substr(q + 1));
  std::string origin_host, scheme = "http";
  if (!TakeParam(&query, "cacheHostOrigin", &origin_host)) {
    if (path.rfind("/shoal/", 0) == 0) {
      t.kind = RequestTarget::Kind::kLocal;
      t.path = path;
      t.query = query;
      return t;
    }
    return Error(404, "not a proxy request: use an absolute http:// URL or ?cacheHostOrigin=");
  }
  std::string s;
  if (TakeParam(&query, "cacheHostScheme", &s)) {
    if (s != "http" && s != "https") return Error(400, "cacheHostScheme is http or https");
    scheme = s;
  }
  std::string host;
  std::uint16_t port = 0;
  if (!SplitAuthority(origin_host, &host, &port, scheme == "https" ? 443 : 80)) {
    return Error(400, "bad cacheHostOrigin");
  }
  t.kind = RequestTarget::Kind::kFetch;
  t.url = Url(scheme, host, port, query.empty() ? path : path + "?" + query);
  t.host = Lower(host);
  t.port = port;
  return t;
}

}  // namespace shoal::cache
