#include "api/src/wire.h"

#include <gtest/gtest.h>

namespace shoal::api::wire {
namespace {

TEST(Wire, ASnapshotRoundTripsWithEveryField) {
  JobSnapshot s;
  ASSERT_TRUE(ParseUuid("{8CE5D75B-0B21-4B8C-AA5A-C5530906C85D}", &s.id));
  s.state = JobState::kTransferring;
  s.error_count = 3;
  s.progress = {100, 40, 2, 1};
  s.sources = {1, 2, 3, 4};
  s.times = {5, 6, 7};
  s.activity = {8, 9, 10};
  s.files = {{60, 40, false}, {40, 0, true}};
  s.file_sources = {{11, 12, 13, 14}, {15, 16, 17, 18}};
  const Json j = ToJson(s);
  EXPECT_EQ(j["state"], "TRANSFERRING");
  EXPECT_EQ(j["progress"]["files_total"], 2);
  EXPECT_EQ(j["files"][1]["sources"]["to_peers"], 18);
  const JobSnapshot back = SnapshotFrom(j);
  EXPECT_EQ(back.id.ToString(), s.id.ToString());
  EXPECT_EQ(back.state, s.state);
  EXPECT_EQ(back.error_count, 3u);
  EXPECT_EQ(back.progress.bytes_transferred, 40u);
  EXPECT_EQ(back.progress.files_transferred, 1u);
  EXPECT_EQ(back.sources, s.sources);
  EXPECT_EQ(back.times.transfer_completion_ns, 7);
  EXPECT_EQ(back.activity.download_duration_ns, 10);
  ASSERT_EQ(back.files.size(), 2u);
  EXPECT_TRUE(back.files[1].completed);
  EXPECT_EQ(back.file_sources[0], s.file_sources[0]);
}

TEST(Wire, AMissingOrMistypedFieldIsAnError) {
  Json j = ToJson(JobSnapshot{});
  j["progress"].erase("bytes_total");
  EXPECT_THROW(SnapshotFrom(j), Json::exception);
  j = ToJson(JobSnapshot{});
  j["sources"]["from_http"] = "many";
  EXPECT_THROW(SnapshotFrom(j), Json::exception);
  EXPECT_THROW(PropertiesFrom(Json::array()), WireError);
  EXPECT_THROW(StatsFrom(Json{{"bytes", 1}}), Json::exception);
}

TEST(Wire, PropertiesRoundTrip) {
  JobProperties p;
  p.display_name = "iso";
  p.priority = Priority::kLow;
  p.proxy_list = "a:1";
  p.owner_uid = 1000;
  const Json j = ToJson(p);
  EXPECT_EQ(j["priority"], 3);
  const JobProperties back = PropertiesFrom(j);
  EXPECT_EQ(back.display_name, "iso");
  EXPECT_EQ(back.priority, Priority::kLow);
  EXPECT_EQ(back.proxy_list, "a:1");
  EXPECT_EQ(back.owner_uid, 1000);
  EXPECT_EQ(back.no_progress_timeout_s, p.no_progress_timeout_s);
}

TEST(Wire, APatchCarriesOnlyWhatIsSetAndNeverTheOwner) {
  JobPropertiesPatch p;
  p.description = "d";
  p.priority = Priority::kHigh;
  p.owner_uid = 0;
  const Json j = ToJson(p);
  EXPECT_EQ(j, (Json{{"description", "d"}, {"priority", 1}}));
  const JobPropertiesPatch back = PatchFrom(Json{{"priority", 1}, {"owner_uid", 0}});
  EXPECT_EQ(back.priority, Priority::kHigh);
  EXPECT_FALSE(back.display_name.has_value());
  EXPECT_FALSE(back.owner_uid.has_value());
}

TEST(Wire, StatsFilesAndErrorsRoundTrip) {
  EngineStats s;
  s.bytes.from_peers = 7;
  s.peer_connections_made = 9;
  s.checks_hashed = 2;
  const EngineStats back = StatsFrom(ToJson(s));
  EXPECT_EQ(back.bytes.from_peers, 7u);
  EXPECT_EQ(back.peer_connections_made, 9u);
  EXPECT_EQ(back.checks_hashed, 2u);
  FileInfo f{"http://cdn/x", "/home/me/x", "/store/x", "/home/me/x"};
  const Json fj = ToJson(f);
  EXPECT_FALSE(fj.contains("temp_path"));  // the service's own paths stay in the service
  EXPECT_EQ(FileInfoFrom(fj).local_path, "/home/me/x");
  JobErrorInfo e{hr::kAccessDenied, ErrorContext::kNone, 1, "no", "http"};
  const JobErrorInfo eb = ErrorInfoFrom(ToJson(e));
  EXPECT_EQ(eb.code, hr::kAccessDenied);
  EXPECT_EQ(eb.file_index, 1);
  EXPECT_EQ(eb.protocol, "http");
}

}  // namespace
}  // namespace shoal::api::wire
