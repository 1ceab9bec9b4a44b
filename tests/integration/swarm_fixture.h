// A site on loopback for integration tests: an HTTP origin serving content and its sidecar
// metainfo, and engines bound to their own 127.0.0.x addresses. Thread-compatible.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "engine/engine.h"
#include "engine/metainfo.h"
#include "origin/http_origin.h"
#include "tests/support/fixtures.h"

namespace shoal::testing {

struct Content {
  std::string name;
  std::string data;
  std::string url;       // the CDN copy
  std::string metainfo;  // also published as <url>.torrent
};

class SwarmTest : public ::testing::Test {
 protected:
  void SetUp() override;

  // Writes `size` random bytes as `name` into the origin's root, with its sidecar .torrent.
  Content Publish(const std::string& name, std::size_t size, unsigned seed = 1);

  // An engine on 127.0.0.<host> with test-friendly defaults (no delays unless set).
  std::unique_ptr<engine::Engine> StartEngine(int host, engine::EngineOptions options = Defaults());
  static engine::EngineOptions Defaults();
  // Defaults() for a leech that takes nothing from the CDN and connects to `peers`.
  static engine::EngineOptions PeersOnly(std::vector<std::string> peers);

  // Serves `content` from a fresh directory through `engine` (a pre-seeded peer).
  void Seed(engine::Engine& engine, const Content& content);

  // Creates a job with one file per (content, local path), resumes it.
  std::shared_ptr<const engine::JobView> StartJob(engine::Engine& engine,
                                                 const std::vector<engine::FileSpec>& files,
                                                 engine::Priority priority =
                                                     engine::Priority::kNormal);

  // Waits for the job to leave the active states, checking progress stays sane meanwhile.
  engine::JobState WaitSettled(const engine::JobView& job,
                               std::chrono::seconds timeout = std::chrono::seconds(120));

  TempDir origin_root_;
  TempDir work_;
  std::unique_ptr<origin::HttpOrigin> origin_;
};

}  // namespace shoal::testing
