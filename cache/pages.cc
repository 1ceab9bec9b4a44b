#include "cache/pages.h"

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
         kv("refused", s.refused) + kv("tunnels", s.tunnels) +
         kv("bytes_tunneled", s.bytes_tunneled) + kv("disk_bytes", s.store.disk_bytes) +
         kv("entries", s.store.entries) + kv("evictions", s.store.evictions) +
         kv("corrupt_dropped", s.store.corrupt, true) + "}";
}

std::string StatsToPrometheus(const ProxyStats& s) {
  std::string out;
  auto metric = [&](const char* name, const char* type, std::uint64_t v) {
    out += std::string("# TYPE shoal_cache_") + name + " " + type + "\nshoal_cache_" + name + " " +
           std::to_string(v) + "\n";
  };
  metric("requests_total", "counter", s.requests);
  metric("hits_total", "counter", s.hits);
  metric("misses_total", "counter", s.misses);
  metric("revalidated_total", "counter", s.revalidated);
  metric("passed_through_total", "counter", s.passed_through);
  out += "# TYPE shoal_cache_client_bytes_total counter\n";
  out += "shoal_cache_client_bytes_total{source=\"store\"} " + std::to_string(s.bytes_from_store) +
         "\n";
  out +=
      "shoal_cache_client_bytes_total{source=\"fill\"} " + std::to_string(s.bytes_from_fill) + "\n";
  metric("origin_bytes_total", "counter", s.bytes_from_origin);
  metric("origin_fetches_total", "counter", s.origin_fetches);
  metric("refused_total", "counter", s.refused);
  metric("tunnels_total", "counter", s.tunnels);
  metric("tunneled_bytes_total", "counter", s.bytes_tunneled);
  metric("disk_bytes", "gauge", s.store.disk_bytes);
  metric("entries", "gauge", s.store.entries);
  metric("evictions_total", "counter", s.store.evictions);
  metric("corrupt_dropped_total", "counter", s.store.corrupt);
  return out;
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
<p><span style="color:#06c">to clients</span> · <span style="color:#c60">from origin</span></p>
<script>
const hist = []; let prev = null;
function draw() {
  const c = document.getElementById('chart').getContext('2d');
  c.clearRect(0, 0, 600, 200);
  const max = Math.max(1, ...hist.map(p => Math.max(p[0], p[1])));
  [[0, '#06c'], [1, '#c60']].forEach(([i, color]) => {
    c.strokeStyle = color; c.beginPath();
    hist.forEach((p, x) => { const y = 195 - 190 * p[i] / max; x ? c.lineTo(x * 5, y) : c.moveTo(0, y); });
    c.stroke();
  });
}
async function tick() {
  try {
    const s = await (await fetch('/shoal/v1/stats')).json();
    const t = document.getElementById('counters'); t.innerHTML = '';
    for (const [k, v] of Object.entries(s)) t.insertRow().innerHTML = '<td>' + k + '</td><td>' + v + '</td>';
    const served = s.hits + s.misses;
    document.getElementById('ratio').textContent = served ? (100 * s.hits / served).toFixed(1) + ' %' : '-';
    const out = s.bytes_to_clients_from_store + s.bytes_to_clients_from_fill;
    if (prev) { hist.push([out - prev[0], s.bytes_from_origin - prev[1]]); if (hist.length > 120) hist.shift(); }
    prev = [out, s.bytes_from_origin]; draw();
  } catch (e) {}
}
tick(); setInterval(tick, 1000);
</script></body></html>
)";
}

}  // namespace shoal::cache
