#include "service/metrics.h"

#include <gtest/gtest.h>

#include <set>

#include <cstdio>
#include <regex>
#include <sstream>
#include <string>

#include "cache/pages.h"

namespace shoal::service {
namespace {

// The body (or, with `status`, the HTTP status code) curl gets for `url`, `extra` its options.
std::string Curl(const std::string& url, bool status = false, const std::string& extra = "") {
  const std::string cmd = "curl -s --max-time 10 " + extra + " " +
                          std::string(status ? "-o /dev/null -w '%{http_code}' " : "") + "'" + url +
                          "'";
  FILE* p = ::popen(cmd.c_str(), "r");
  if (p == nullptr) return "";
  std::string out;
  char buf[4096];
  std::size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  ::pclose(p);
  return out;
}

MetricsSnapshot Sample() {
  MetricsSnapshot s;
  s.engine.bytes = {1000, 2000, 30, 4444};
  s.engine.peer_connections = 7;
  s.engine.peer_connections_made = 42;
  s.engine.torrents = 3;
  s.engine.cached_files = 2;
  s.cache_bytes = 123456789;
  s.engine.cache_evictions = 5;
  s.CountJob(engine::JobState::kTransferring);
  s.CountJob(engine::JobState::kTransferring);
  s.CountJob(engine::JobState::kSuspended);
  s.CountJob(engine::JobState::kTransientError);
  return s;
}

TEST(Metrics, AScrapeShowsTheFiguresFed) {
  Metrics m;
  m.Update(Sample());
  std::string error;
  const auto listener = MetricsListener::Start("127.0.0.1:0", &m, &error);
  ASSERT_TRUE(listener) << error;
  const std::string body = Curl("http://" + listener->Endpoint() + "/metrics");
  for (const char* line :
       {"shoal_jobs{state=\"transferring\"} 2", "shoal_jobs{state=\"suspended\"} 1",
        "shoal_jobs{state=\"transient_error\"} 1", "shoal_jobs{state=\"queued\"} 0",
        "shoal_downloaded_bytes_total{source=\"peers\"} 1000",
        "shoal_downloaded_bytes_total{source=\"http\"} 2000",
        "shoal_downloaded_bytes_total{source=\"cache_server\"} 30",
        "shoal_uploaded_bytes_total 4444", "shoal_store_size_bytes 123456789",
        "shoal_store_files 2", "shoal_store_evictions_total 5", "shoal_peer_connections 7",
        "shoal_peer_connections_made_total 42", "shoal_torrents 3"}) {
    EXPECT_NE(body.find(std::string("\n") + line + "\n"), std::string::npos) << line << "\n"
                                                                             << body;
  }
  // The next scrape shows the next update.
  MetricsSnapshot later = Sample();
  later.engine.bytes.from_peers = 5000;
  m.Update(later);
  EXPECT_NE(Curl("http://" + listener->Endpoint() + "/metrics")
                .find("shoal_downloaded_bytes_total{source=\"peers\"} 5000\n"),
            std::string::npos);
}

// The text format: each family's HELP and TYPE before its samples, samples "name{l="v"} N".
TEST(Metrics, ExpositionIsWellFormed) {
  Metrics m;
  m.Update(Sample());
  std::istringstream in(m.Exposition());
  const std::regex help(R"(# HELP ([a-z_]+) .+)"), type(R"(# TYPE ([a-z_]+) (gauge|counter))");
  const std::regex sample(R"(([a-z_]+)(\{[a-z_]+="[a-z_]+"\})? [0-9]+)");
  std::string line, family, typed;
  int samples = 0;
  while (std::getline(in, line)) {
    std::smatch mm;
    if (std::regex_match(line, mm, help)) {
      family = mm[1];
    } else if (std::regex_match(line, mm, type)) {
      EXPECT_EQ(mm[1], family) << line;
      typed = mm[1];
      if (mm[2] == "counter") {
        EXPECT_TRUE(typed.ends_with("_total")) << line;
      }
    } else if (std::regex_match(line, mm, sample)) {
      EXPECT_EQ(mm[1], typed) << "a sample outside its family: " << line;
      ++samples;
    } else {
      ADD_FAILURE() << "not exposition format: " << line;
    }
  }
  EXPECT_EQ(samples, 9 + 3 + 7);
}

// The metric families named in an exposition (its "# TYPE name kind" lines).
std::set<std::string> Families(const std::string& exposition) {
  std::set<std::string> names;
  const std::regex type("(^|\n)# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) ");
  for (std::sregex_iterator it(exposition.begin(), exposition.end(), type), end; it != end; ++it) {
    names.insert((*it)[2].str());
  }
  return names;
}

// shoald in its cache role shows both expositions (metrics_listen and the node's
// /shoal/v1/metrics), often scraped into one Prometheus: no family means two things.
TEST(Metrics, NoFamilyIsAlsoOneOfTheCacheNodes) {
  Metrics m;
  m.Update(Sample());
  const std::set<std::string> service = Families(m.Exposition());
  const std::set<std::string> node = Families(cache::StatsToPrometheus(cache::ProxyStats{}));
  ASSERT_GT(service.size(), 5u);
  ASSERT_GT(node.size(), 5u);
  ASSERT_TRUE(node.count("shoal_cache_evictions_total"));
  for (const std::string& name : service) {
    EXPECT_FALSE(node.count(name)) << name;
    EXPECT_NE(name.rfind("shoal_cache_", 0), 0u) << name << ": shoal_cache_ is the node's prefix";
  }
}

TEST(Metrics, OnlyGetMetricsIsServed) {
  Metrics m;
  std::string error;
  const auto listener = MetricsListener::Start("0", &m, &error);  // a bare port: loopback
  ASSERT_TRUE(listener) << error;
  EXPECT_EQ(listener->Endpoint().rfind("127.0.0.1:", 0), 0u) << listener->Endpoint();
  EXPECT_EQ(Curl("http://" + listener->Endpoint() + "/other", true), "404");
  EXPECT_EQ(Curl("http://" + listener->Endpoint() + "/metrics", true), "200");
  EXPECT_EQ(Curl("http://" + listener->Endpoint() + "/metrics", true, "-X POST"), "405");
}

TEST(Metrics, BadEndpointsAreRefusedClearly) {
  Metrics m;
  std::string error;
  EXPECT_FALSE(MetricsListener::Start("localhost:9464", &m, &error));
  EXPECT_NE(error.find("not an IP address"), std::string::npos) << error;
  EXPECT_FALSE(MetricsListener::Start("127.0.0.1:99999", &m, &error));
  EXPECT_NE(error.find("expected ip:port"), std::string::npos) << error;
  const auto first = MetricsListener::Start("127.0.0.1:0", &m, &error);
  ASSERT_TRUE(first) << error;
  EXPECT_FALSE(MetricsListener::Start(first->Endpoint(), &m, &error)) << "port in use";
  EXPECT_NE(error.find("cannot serve metrics on"), std::string::npos) << error;
  const auto v6 = MetricsListener::Start("[::1]:0", &m, &error);
  if (v6) {
    EXPECT_EQ(v6->Endpoint().rfind("[::1]:", 0), 0u) << v6->Endpoint();
  }
}

}  // namespace
}  // namespace shoal::service
