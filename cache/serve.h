// Writing the cache node's responses: a stored entry or a fill in progress to one client, with
// Range, HEAD, conditional 304 and pass-through of the origin's errors. Functions over one
// connection's socket: thread-compatible per socket (each connection thread uses its own).
#pragma once

#include <atomic>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/http.hpp>
#include <cstdint>
#include <string>

#include "cache/origin_fetch.h"
#include "cache/store.h"

namespace shoal::cache {

using tcp = boost::asio::ip::tcp;
using Request = boost::beast::http::request<boost::beast::http::empty_body>;

// A status line, `extra` header lines (each ending "\r\n"), Via, and the blank line.
std::string Head(int status, const std::string& extra);
bool Send(tcp::socket& s, const std::string& data);  // false: the client went away
// A short text/plain answer: `message` and a newline.
bool SendText(tcp::socket& s, int status, const std::string& message);

// Each returns whether the connection may serve another request; body bytes sent are added
// to *counter. `how` is the X-Cache value (HIT, REVALIDATED).
bool ServeStored(tcp::socket& sock, const Request& req, const Handle& h, const char* how,
                 std::atomic<std::uint64_t>* counter);
// The fill's response: the origin's status and headers; 200 bodies honour Range and HEAD,
// streamed as they arrive; other statuses are passed through whole, never stored.
bool ServeFetch(tcp::socket& sock, const Request& req, OriginFetch& f,
                std::atomic<std::uint64_t>* counter);

}  // namespace shoal::cache
