// The local API's router over a FakeBackend: routes, ownership by uid, the store layout, and a
// clear error for each bad request.
#include "service/router.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include "tests/support/fake_backend.h"
#include "tests/support/fixtures.h"

namespace shoal::service {
namespace {

using api::wire::Json;

class NoEvents final : public api::BackendEvents {
 public:
  void OnJobEvent(const api::BackendEvent&) override {}
};

class RouterTest : public ::testing::Test {
 protected:
  Response Do(const std::string& method, const std::string& target, std::int64_t uid,
              const std::string& body = "") {
    return router_.Handle({method, target, body, uid});
  }
  static Json BodyOf(const Response& r) { return Json::parse(r.body); }
  std::string Create(std::int64_t uid, const std::string& name = "j") {
    const Response r = Do("POST", "/v1/jobs", uid, Json{{"display_name", name}}.dump());
    EXPECT_EQ(r.status, 201) << r.body;
    return BodyOf(r)["job"]["id"].get<std::string>();
  }
  static std::string HResultOf(const Response& r) { return BodyOf(r)["hresult"]; }

  NoEvents events_;
  testing::FakeBackend backend_{&events_};
  testing::TempDir store_;
  Router router_{backend_, store_.path().string(), 0};
};

// BITS' MaxJobsPerUser counts the caller's own jobs: another user's never use up its share.
TEST(RouterLimits, MaxJobsCountsOnlyTheCallersJobs) {
  NoEvents events;
  testing::FakeBackend backend{&events};
  testing::TempDir store;
  Router router{backend, store.path().string(), 0, 2};
  auto create = [&](std::int64_t uid) { return router.Handle({"POST", "/v1/jobs", "{}", uid}); };
  EXPECT_EQ(create(1000).status, 201);
  EXPECT_EQ(create(2000).status, 201);
  EXPECT_EQ(create(2000).status, 201);
  EXPECT_EQ(create(1000).status, 201) << "uid 2000's two jobs are not uid 1000's";
  const Response over = create(1000);
  EXPECT_EQ(over.status, 409) << over.body;
  EXPECT_EQ(Json::parse(over.body)["hresult"], "0x80200049") << over.body;
  EXPECT_EQ(create(3000).status, 201);
}

// The progress page: each snapshot names its job's slot, and only the owner (and root) is
// passed the segments that hold it.
TEST_F(RouterTest, TheProgressPageGoesToItsOwnerOnly) {
  const std::string mine = Create(1000);
  const Response got = Do("GET", "/v1/jobs/" + mine, 1000);
  const Json slot = BodyOf(got)["job"]["slot"];
  ASSERT_TRUE(slot.is_object()) << got.body;
  EXPECT_EQ(slot["uid"], 1000);
  auto segments = [&](std::int64_t uid) {
    Response r = Do("POST", "/v1/progress-page", uid);
    EXPECT_EQ(r.status, 200) << r.body;
    EXPECT_TRUE(r.pass_fds);
    const std::size_t n = r.fds.size();
    for (int fd : r.fds) ::close(fd);
    return n;
  };
  EXPECT_EQ(segments(1000), 1u);
  EXPECT_EQ(segments(2000), 0u) << "another user is never passed uid 1000's figures";
  Create(2000);
  EXPECT_EQ(segments(2000), 1u);
  EXPECT_EQ(segments(0), 2u) << "root sees every user's";
  // The segment is the page of uid 1000's job: mapped read-only, its slot reads its state.
  Response r = Do("POST", "/v1/progress-page", 1000);
  ASSERT_EQ(r.fds.size(), 1u);
  api::ProgressPageReader reader;
  ASSERT_EQ(reader.Map(r.fds[0]), hr::kOk);
  api::SlotRef ref{slot["uid"], slot["segment"], slot["index"], slot["generation"],
                   slot["instance"]};
  api::Uuid id;
  ASSERT_TRUE(api::wire::ParseUuid(mine, &id));
  EXPECT_TRUE(reader.Current(ref, id));
  const api::JobCells* cells = nullptr;
  ASSERT_TRUE(reader.Cells(ref, &cells));
  EXPECT_EQ(cells->state.load(), api::JobState::kSuspended);
  ASSERT_EQ(Do("POST", "/v1/jobs/" + mine + "/cancel", 1000).status, 200);
  EXPECT_EQ(cells->state.load(), api::JobState::kCancelled) << "published before the reply";
  EXPECT_FALSE(reader.Current(ref, id)) << "the slot is free once the job left the queue";
}

TEST_F(RouterTest, AnswersTheVersion) {
  const Response r = Do("GET", "/v1/version", 1000);
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(BodyOf(r)["api"], 1);
}

TEST_F(RouterTest, AJobBelongsToItsCreatorsUid) {
  const std::string mine = Create(1000);
  const Response get = Do("GET", "/v1/jobs/" + mine, 1000);
  ASSERT_EQ(get.status, 200);
  EXPECT_EQ(BodyOf(get)["job"]["owner_uid"], 1000);
  api::Uuid id;
  ASSERT_TRUE(api::wire::ParseUuid(mine, &id));
  api::JobProperties props;
  ASSERT_EQ(backend_.GetProperties(id, &props), hr::kOk);
  EXPECT_EQ(props.owner_uid, 1000) << "stored with the job";
}

TEST_F(RouterTest, AnotherUsersJobIsInvisibleAndAccessDenied) {
  const std::string theirs = Create(1000);
  Create(2000);
  const Json list = BodyOf(Do("GET", "/v1/jobs", 2000));
  ASSERT_EQ(list["jobs"].size(), 1u);
  EXPECT_NE(list["jobs"][0]["id"], theirs);
  for (const auto& [method, tail] :
       std::vector<std::pair<std::string, std::string>>{{"GET", ""},
                                                        {"GET", "/properties"},
                                                        {"PATCH", "/properties"},
                                                        {"GET", "/files"},
                                                        {"POST", "/files"},
                                                        {"POST", "/resume"},
                                                        {"POST", "/suspend"},
                                                        {"POST", "/cancel"},
                                                        {"POST", "/complete"},
                                                        {"POST", "/content"},
                                                        {"GET", "/error"}}) {
    const Response r = Do(method, "/v1/jobs/" + theirs + tail, 2000, "{}");
    EXPECT_EQ(r.status, 403) << method << tail;
    EXPECT_EQ(HResultOf(r), "0x80070005") << method << tail;
  }
  EXPECT_EQ(Do("GET", "/v1/jobs?all_users=1", 2000).status, 403);
  EXPECT_EQ(BodyOf(Do("GET", "/v1/jobs?all_users=1", 0))["jobs"].size(), 2u);
  EXPECT_EQ(BodyOf(Do("GET", "/v1/jobs", 0))["jobs"].size(), 0u) << "root's own: none";
  EXPECT_EQ(Do("GET", "/v1/jobs/" + theirs, 0).status, 200) << "root sees every job";
}

TEST_F(RouterTest, APatchCannotChangeTheOwner) {
  const std::string id = Create(1000);
  const Response r = Do("PATCH", "/v1/jobs/" + id + "/properties", 1000,
                        R"({"owner_uid": 0, "description": "d"})");
  ASSERT_EQ(r.status, 200) << r.body;
  const Json props = BodyOf(Do("GET", "/v1/jobs/" + id + "/properties", 1000))["properties"];
  EXPECT_EQ(props["owner_uid"], 1000);
  EXPECT_EQ(props["description"], "d");
}

TEST_F(RouterTest, FilesGoToTheStoreAndKeepTheUsersNames) {
  const std::string id = Create(1000);
  const std::string body = R"({"files":[{"remote_url":"http://o/a","local_path":"/home/u/a"},
                                        {"remote_url":"http://o/b","local_path":"/home/u/b"}]})";
  ASSERT_EQ(Do("POST", "/v1/jobs/" + id + "/files", 1000, body).status, 200);
  api::Uuid uuid;
  ASSERT_TRUE(api::wire::ParseUuid(id, &uuid));
  std::vector<api::FileInfo> engine_files;
  ASSERT_EQ(backend_.GetFiles(uuid, &engine_files), hr::kOk);
  ASSERT_EQ(engine_files.size(), 2u);
  EXPECT_EQ(engine_files[1].local_path, router_.JobDir(uuid) + "/1");
  EXPECT_EQ(engine_files[1].client_path, "/home/u/b");
  const Json files = BodyOf(Do("GET", "/v1/jobs/" + id + "/files", 1000))["files"];
  EXPECT_EQ(files[0]["local_path"], "/home/u/a");
  const Response twice = Do("POST", "/v1/jobs/" + id + "/files", 1000,
                            R"({"files":[{"remote_url":"http://o/c","local_path":"/home/u/a"}]})");
  EXPECT_EQ(twice.status, 400) << "one name twice in a job";
  const Response relative = Do("POST", "/v1/jobs/" + id + "/files", 1000,
                               R"({"files":[{"remote_url":"http://o/c","local_path":"c"}]})");
  EXPECT_EQ(relative.status, 400);
}

TEST_F(RouterTest, BadRequestsGetClearErrors) {
  Response r = Do("POST", "/v1/jobs", 1000, "{not json");
  EXPECT_EQ(r.status, 400);
  EXPECT_NE(BodyOf(r)["message"].get<std::string>().find("malformed JSON"), std::string::npos);
  EXPECT_EQ(Do("POST", "/v1/jobs", 1000, "[1]").status, 400) << "not an object";
  EXPECT_EQ(Do("POST", "/v1/jobs", 1000, R"({"display_name": 3})").status, 400);
  EXPECT_EQ(Do("GET", "/v1/jobs/xyz", 1000).status, 400);
  r = Do("GET", "/v1/jobs/{00000000-0000-4000-8000-000000000009}", 1000);
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(HResultOf(r), "0x80200001");
  EXPECT_EQ(Do("GET", "/v1/nothing", 1000).status, 404);
  EXPECT_EQ(Do("DELETE", "/v1/jobs", 1000).status, 400);
  const std::string id = Create(1000);
  r = Do("POST", "/v1/jobs/" + id + "/files", 1000, R"({"files":[{"remote_url":1}]})");
  EXPECT_EQ(r.status, 400);
  r = Do("POST", "/v1/jobs/" + id + "/files", 1000,
         R"({"files":[{"remote_url":"http://o/a","local_path":"/a","sha256_hex":"zz"}]})");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(Do("POST", "/v1/seeds", 1000, "{}").status, 403) << "only root names a folder";
}

TEST(Wire, ValuesRoundTrip) {
  api::JobPropertiesPatch patch;
  patch.display_name = "n";
  patch.priority = api::Priority::kLow;
  patch.owner_uid = 7;
  const api::JobPropertiesPatch back = api::wire::PatchFrom(api::wire::ToJson(patch));
  EXPECT_EQ(back.display_name, "n");
  EXPECT_EQ(back.priority, api::Priority::kLow);
  EXPECT_FALSE(back.owner_uid) << "never on the wire";
  api::FileSpec spec{"http://o/a", "/a", std::string("\x01\xff", 2), true, std::string(32, 'x')};
  const api::FileSpec s2 = api::wire::FileSpecFrom(api::wire::ToJson(spec));
  EXPECT_EQ(s2.metainfo, spec.metainfo);
  EXPECT_EQ(s2.sha256, spec.sha256);
  EXPECT_TRUE(s2.http_only);
  api::Uuid id = api::Uuid::Random(), parsed;
  ASSERT_TRUE(api::wire::ParseUuid(id.ToString(), &parsed));
  EXPECT_EQ(parsed, id);
  EXPECT_FALSE(api::wire::ParseUuid("{zzzzzzzz-0000-4000-8000-000000000000}", &parsed));
  hr::HResult h = 0;
  ASSERT_TRUE(api::wire::ParseHResult("0x80070005", &h));
  EXPECT_EQ(h, hr::kAccessDenied);
  EXPECT_FALSE(api::wire::ParseHResult("0x8007", &h));
}

}  // namespace
}  // namespace shoal::service
