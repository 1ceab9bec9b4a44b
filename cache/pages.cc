#include "cache/pages.h"

#include <algorithm>
#include <cstdio>

#include "prometheus/counter.h"
#include "prometheus/family.h"
#include "prometheus/gauge.h"
#include "prometheus/registry.h"
#include "prometheus/text_serializer.h"

namespace shoal::cache {

std::string StatsToJson(const ProxyStats& s) {
  auto kv = [](const char* k, std::uint64_t v, bool last = false) {
    return std::string("\"") + k + "\":" + std::to_string(v) + (last ? "" : ",");
  };
  return "{" + kv("requests", s.requests) + kv("hits", s.hits) + kv("misses", s.misses) +
         kv("revalidated", s.revalidated) + kv("passed_through", s.passed_through) +
         kv("bytes_to_clients_from_store", s.bytes_from_store) +
         kv("bytes_to_clients_from_fill", s.bytes_from_fill) +
         kv("bytes_from_origin", s.bytes_from_origin) + kv("origin_fetches", s.origin_fetches) +
         kv("bytes_to_peers", s.bytes_to_peers) + kv("seeds", s.seeds) + kv("refused", s.refused) +
         kv("tunnels", s.tunnels) + kv("bytes_tunneled", s.bytes_tunneled) +
         kv("disk_bytes", s.store.disk_bytes) + kv("entries", s.store.entries) +
         kv("evictions", s.store.evictions) + kv("corrupt_dropped", s.store.corrupt, true) + "}";
}

namespace {

// A JSON string literal of `s`: quotes, backslashes and control bytes escaped; other bytes as
// they are (a URL the node stored came through its request parser, but is still not ours).
std::string JsonString(const std::string& s) {
  std::string out = "\"";
  for (const unsigned char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c < 0x20 || c >= 0x7f) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", c);
      out += buf;
    } else {
      out += static_cast<char>(c);
    }
  }
  return out + "\"";
}

}  // namespace

std::string EntriesToJson(std::vector<EntryMeta> entries, std::size_t limit) {
  std::uint64_t total_bytes = 0;
  for (const EntryMeta& m : entries) total_bytes += m.size;
  const std::size_t shown = std::min(limit, entries.size());
  std::partial_sort(entries.begin(), entries.begin() + static_cast<std::ptrdiff_t>(shown),
                    entries.end(), [](const EntryMeta& a, const EntryMeta& b) {
                      return a.last_access != b.last_access ? a.last_access > b.last_access
                                                            : a.size > b.size;
                    });
  std::string out = "{\"total\":" + std::to_string(entries.size()) +
                    ",\"total_bytes\":" + std::to_string(total_bytes) + ",\"shown\":[";
  for (std::size_t i = 0; i < shown; ++i) {
    const EntryMeta& m = entries[i];
    out += std::string(i ? "," : "") + "{\"url\":" + JsonString(m.url) +
           ",\"size\":" + std::to_string(m.size) + ",\"hits\":" + std::to_string(m.hits) +
           ",\"last_access\":" + std::to_string(m.last_access) +
           ",\"pinned\":" + (m.pinned ? "true" : "false") + "}";
  }
  return out + "]}";
}

std::string StatsToPrometheus(const ProxyStats& s) {
  prometheus::Registry registry;
  auto counter = [&](const char* name,
                     const char* help) -> prometheus::Family<prometheus::Counter>& {
    return prometheus::BuildCounter()
        .Name(std::string("shoal_cache_") + name)
        .Help(help)
        .Register(registry);
  };
  auto gauge = [&](const char* name, const char* help, std::uint64_t v) {
    prometheus::BuildGauge()
        .Name(std::string("shoal_cache_") + name)
        .Help(help)
        .Register(registry)
        .Add({})
        .Set(static_cast<double>(v));
  };
  auto count = [&](const char* name, const char* help, std::uint64_t v) {
    counter(name, help).Add({}).Increment(static_cast<double>(v));
  };
  count("requests_total", "requests received", s.requests);
  count("hits_total", "requests answered from the store", s.hits);
  count("misses_total", "requests that filled the store from the origin", s.misses);
  count("revalidated_total", "stale entries the origin confirmed (304)", s.revalidated);
  count("passed_through_total", "origin answers passed on without being stored", s.passed_through);
  auto& to_clients = counter("client_bytes_total", "body bytes sent to HTTP clients, by source");
  to_clients.Add({{"source", "store"}}).Increment(static_cast<double>(s.bytes_from_store));
  to_clients.Add({{"source", "fill"}}).Increment(static_cast<double>(s.bytes_from_fill));
  count("origin_bytes_total", "body bytes fetched from origins", s.bytes_from_origin);
  count("origin_fetches_total", "fetches started at origins", s.origin_fetches);
  count("peer_bytes_total", "bytes uploaded to BitTorrent peers by the seeding engine",
        s.bytes_to_peers);
  count("refused_total", "requests for origins the policy refuses", s.refused);
  count("tunnels_total", "CONNECT tunnels", s.tunnels);
  count("tunneled_bytes_total", "bytes copied through CONNECT tunnels", s.bytes_tunneled);
  gauge("disk_bytes", "bytes of content in the store (each distinct file once)",
        s.store.disk_bytes);
  gauge("entries", "URLs in the store", s.store.entries);
  gauge("seeds", "entries seeded to peers", s.seeds);
  count("evictions_total", "entries evicted (watermarks, maximum age)", s.store.evictions);
  count("corrupt_dropped_total", "entries dropped because their file failed its hash",
        s.store.corrupt);
  return prometheus::TextSerializer().Serialize(registry.Collect());
}

std::string StatusPageHtml() {
  return R"(<!doctype html>
<html><head><meta charset="utf-8"><title>shoal cache node</title>
<style>body{font:14px sans-serif;margin:2em}td{padding:2px 12px}canvas{border:1px solid #ccc}</style>
</head><body><h1>shoal cache node</h1>
<p>Hit ratio: <b id="ratio">-</b></p>
<table id="counters"></table>
<h2>Traffic (bytes/s, last 2 minutes)</h2>
<canvas id="chart" width="600" height="200"></canvas>
<p><span style="color:#06c">to clients</span> · <span style="color:#c60">from origin</span> · <span style="color:#090">to peers</span></p>
<h2>Cached (<span id="entries-total">-</span>)</h2>
<table id="entries"><thead><tr><th>URL</th><th>size</th><th>hits</th><th>last use</th><th>pinned</th></tr></thead><tbody></tbody></table>
<script>
const hist = []; let prev = null;
function draw() {
  const c = document.getElementById('chart').getContext('2d');
  c.clearRect(0, 0, 600, 200);
  const max = Math.max(1, ...hist.map(p => Math.max(...p)));
  [[0, '#06c'], [1, '#c60'], [2, '#090']].forEach(([i, color]) => {
    c.strokeStyle = color; c.beginPath();
    hist.forEach((p, x) => { const y = 195 - 190 * p[i] / max; x ? c.lineTo(x * 5, y) : c.moveTo(0, y); });
    c.stroke();
  });
}
async function tick() {
  try {
    const s = await (await fetch('/shoal/v1/stats')).json();
    const t = document.getElementById('counters'); t.innerHTML = '';
    for (const [k, v] of Object.entries(s)) t.insertRow().innerHTML = '<td>' + k + '</td><td id="v-' + k + '">' + v + '</td>';
    const served = s.hits + s.misses;
    document.getElementById('ratio').textContent = served ? (100 * s.hits / served).toFixed(1) + ' %' : '-';
    const out = s.bytes_to_clients_from_store + s.bytes_to_clients_from_fill;
    const now = [out, s.bytes_from_origin, s.bytes_to_peers];
    if (prev) { hist.push(now.map((v, i) => v - prev[i])); if (hist.length > 120) hist.shift(); }
    prev = now; draw();
    const e = await (await fetch('/shoal/v1/entries')).json();
    document.getElementById('entries-total').textContent = e.total + ' entries, ' + e.total_bytes + ' bytes' + (e.total > e.shown.length ? ', the ' + e.shown.length + ' last used shown' : '');
    const body = document.querySelector('#entries tbody'); body.innerHTML = '';
    for (const m of e.shown) {
      const row = body.insertRow(); row.className = 'entry';
      // textContent, never innerHTML: a URL is text from the network
      [m.url, m.size, m.hits, new Date(m.last_access * 1000).toISOString(), m.pinned ? 'yes' : 'no']
        .forEach(v => { row.insertCell().textContent = v; });
    }
  } catch (e) {}
}
tick(); setInterval(tick, 1000);
</script></body></html>
)";
}

}  // namespace shoal::cache
