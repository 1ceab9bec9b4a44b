#include "engine/node_answer.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace shoal::engine {
namespace {

namespace fs = std::filesystem;

std::string Slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// A throwaway Ed25519 key and signatures by it, made with the openssl command (the node's
// signer lives in cache/, which the engine does not link).
class NodeAnswerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("shoal-node-answer-" + std::to_string(getpid()));
    fs::create_directories(dir_);
    Run("openssl genpkey -algorithm ed25519 -out " + Path("k.pem"));
    Run("openssl pkey -in " + Path("k.pem") + " -pubout -out " + Path("k.pub"));
    pub_ = Slurp(dir_ / "k.pub");
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string Path(const char* name) const { return (dir_ / name).string(); }
  static void Run(const std::string& cmd) {
    ASSERT_EQ(std::system((cmd + " 2>/dev/null").c_str()), 0) << cmd;
  }
  std::string Sign(const std::string& data) {
    std::ofstream(dir_ / "data", std::ios::binary) << data;
    Run("openssl pkeyutl -sign -rawin -inkey " + Path("k.pem") + " -in " + Path("data") +
        " | od -An -v -tx1 | tr -d ' \\n' > " + Path("sig"));
    return Slurp(dir_ / "sig");
  }
  FetchResult Answer(const std::string& body, const std::string& signature) {
    FetchResult r;
    r.http_status = 200;
    r.body = body;
    AddHeaderLine("HTTP/1.1 200 OK\r\n", &r.headers);
    AddHeaderLine("X-Shoal-Signature:  " + signature + " \r\n", &r.headers);
    AddHeaderLine("x-shoal-seed-port: 6881\r\n", &r.headers);
    return r;
  }

  fs::path dir_;
  std::string pub_;
};

TEST(NodeAnswer, SeedPortsOutsideOneTo65535AreRefused) {
  EXPECT_EQ(ParseSeedPort("6881"), 6881);
  EXPECT_EQ(ParseSeedPort("65535"), 65535);
  for (const char* bad : {"", "0", "65536", "99999", "-1", "+80", " 80", "80 ", "80a", "123456",
                          "0x50"}) {
    EXPECT_EQ(ParseSeedPort(bad), 0) << bad;
  }
}

TEST(NodeAnswer, HeaderLinesKeepOnlyTheFinalAnswersFieldsLowercasedAndTrimmed) {
  std::map<std::string, std::string> h;
  AddHeaderLine("HTTP/1.1 302 Found\r\n", &h);
  AddHeaderLine("X-Shoal-Seed-Port: 1\r\n", &h);
  AddHeaderLine("HTTP/1.1 200 OK\r\n", &h);  // the redirect's fields go
  AddHeaderLine("X-Shoal-Signature:\t ed25519=ab \t\r\n", &h);
  AddHeaderLine("Empty:   \r\n", &h);
  AddHeaderLine("no colon here\r\n", &h);
  EXPECT_EQ(h, (std::map<std::string, std::string>{{"x-shoal-signature", "ed25519=ab"},
                                                    {"empty", ""}}));
}

TEST_F(NodeAnswerTest, OnlyABodySignedByTheConfiguredKeyIsUsed) {
  const std::string body = "d4:infod6:lengthi1eee";
  const std::string sig = Sign(body);
  ASSERT_EQ(sig.size(), 128u);
  const NodeAnswer good = ReadNodeAnswer(Answer(body, "ed25519=" + sig), pub_);
  EXPECT_TRUE(good.signed_ok) << good.why;
  EXPECT_EQ(good.seed_port, 6881);
  EXPECT_FALSE(good.unreachable);

  EXPECT_FALSE(ReadNodeAnswer(Answer(body + "x", "ed25519=" + sig), pub_).signed_ok);
  EXPECT_FALSE(ReadNodeAnswer(Answer(body, sig), pub_).signed_ok);  // no scheme
  EXPECT_FALSE(ReadNodeAnswer(Answer(body, "ed25519=" + sig), "").signed_ok);
  FetchResult unsigned_answer = Answer(body, "");
  unsigned_answer.headers.erase("x-shoal-signature");
  const NodeAnswer no_sig = ReadNodeAnswer(unsigned_answer, pub_);
  EXPECT_FALSE(no_sig.signed_ok);
  EXPECT_EQ(no_sig.why, "the answer is not signed");
}

TEST_F(NodeAnswerTest, OnlyNoHttpAnswerAtAllMarksTheNodeUnreachable) {
  FetchResult refused = Answer("not held", "");
  refused.code = hr::HttpError(404);
  refused.http_status = 404;
  refused.message = "HTTP 404";
  NodeAnswer a = ReadNodeAnswer(refused, pub_);
  EXPECT_FALSE(a.signed_ok);
  EXPECT_FALSE(a.unreachable);
  EXPECT_EQ(a.why, "HTTP 404: not held");

  FetchResult down;
  down.code = hr::kInternetCannotConnect;
  down.message = "connection refused";
  a = ReadNodeAnswer(down, pub_);
  EXPECT_TRUE(a.unreachable);
  EXPECT_EQ(a.seed_port, 0);
}

}  // namespace
}  // namespace shoal::engine
