// apt's method protocol as shoal's method reads and writes it (apt's acquire-method.cc and
// acquire-worker.cc; doc/method.dbk): messages cut out of a byte stream however it arrives,
// 600 URI Acquire fields checked, malformed input refused with a reason.
#include <gtest/gtest.h>

#include "tools/apt/method_protocol.h"

namespace shoal::apt {
namespace {

constexpr const char* kAcquire =
    "600 URI Acquire\n"
    "URI: shoal+http://deb.example/debian/pool/main/h/hello/hello_2.10_amd64.deb\n"
    "Filename: /var/cache/apt/archives/partial/hello_2.10_amd64.deb\n"
    "Expected-SHA256: 0123456789ABCDEF0123456789abcdef0123456789abcdef0123456789abcdef\n"
    "Expected-MD5Sum: 00112233445566778899aabbccddeeff\n"
    "Expected-Checksum-FileSize: 53124\n"
    "\n";

TEST(AptMessageReader, CutsMessagesOutOfAStreamFedInAnyPieces) {
  const std::string stream = std::string(
                                 "601 Configuration\nConfig-Item: APT::Architecture=amd64\n"
                                 "Config-Item: Acquire::Send-URI-Encoded=1\n\n") +
                             kAcquire;
  for (std::size_t step : {1u, 3u, 17u, 1000u}) {
    SCOPED_TRACE(step);
    MessageReader reader;
    std::vector<Message> got;
    for (std::size_t i = 0; i < stream.size(); i += step) {
      reader.Feed(std::string_view(stream).substr(i, step));
      while (auto m = reader.Next()) got.push_back(*m);
    }
    EXPECT_TRUE(reader.error().empty()) << reader.error();
    ASSERT_EQ(got.size(), 2u);
    EXPECT_EQ(got[0].code, 601);
    EXPECT_EQ(got[0].text, "Configuration");
    ASSERT_EQ(got[0].fields.size(), 2u);
    EXPECT_EQ(got[0].fields[1].second, "Acquire::Send-URI-Encoded=1");
    EXPECT_EQ(got[1].code, 600);
    EXPECT_EQ(got[1].Get("filename"), "/var/cache/apt/archives/partial/hello_2.10_amd64.deb");
  }
}

TEST(AptMessageReader, RefusesMalformedMessagesWithAReason) {
  for (const char* bad : {"hello\n\n", "60 URI Acquire\n\n", "600URI Acquire\n\n",
                          "600 URI Acquire\nno colon here\n\n", "600 URI Acquire\n: empty\n\n"}) {
    SCOPED_TRACE(bad);
    MessageReader reader;
    reader.Feed(bad);
    EXPECT_FALSE(reader.Next());
    EXPECT_FALSE(reader.error().empty());
    reader.Feed("600 URI Acquire\nURI: http://x/y\n\n");  // spent: nothing more is read
    EXPECT_FALSE(reader.Next());
  }
}

TEST(AptMessageReader, BoundsMessagesAndFields) {
  MessageReader big;
  big.Feed("600 URI Acquire\nURI: " + std::string(MessageReader::kMaxMessageBytes, 'a'));
  EXPECT_FALSE(big.Next());
  EXPECT_NE(big.error().find("1024 KiB"), std::string::npos);
  std::string many = "600 URI Acquire\n";
  for (std::size_t i = 0; i <= MessageReader::kMaxFields; ++i) many += "F: v\n";
  MessageReader fields;
  fields.Feed(many + "\n");
  EXPECT_FALSE(fields.Next());
  EXPECT_NE(fields.error().find("16384 fields"), std::string::npos);
}

// apt sends its whole configuration in one 601 (apt-pkg's acquire-worker.cc, SendConfiguration):
// a machine with many apt.conf.d snippets has thousands of items, which must not end the method.
TEST(AptMessageReader, AWholeConfigurationIsOneMessage) {
  std::string config = "601 Configuration\n";
  for (int i = 0; i < 3000; ++i) {
    config +=
        "Config-Item: Some::Long::Option::Name" + std::to_string(i) + "=a value of some length\n";
  }
  MessageReader reader;
  reader.Feed(config + "\n");
  const auto m = reader.Next();
  ASSERT_TRUE(m) << reader.error();
  EXPECT_EQ(m->code, 601);
  EXPECT_EQ(m->fields.size(), 3000u);
}

TEST(AptAcquire, ReadsTheFieldsAptSends) {
  MessageReader reader;
  reader.Feed(kAcquire);
  const auto m = reader.Next();
  ASSERT_TRUE(m);
  std::string error;
  const auto r = ParseAcquire(*m, &error);
  ASSERT_TRUE(r) << error;
  EXPECT_EQ(r->url, "http://deb.example/debian/pool/main/h/hello/hello_2.10_amd64.deb");
  EXPECT_EQ(r->uri.rfind("shoal+http://", 0), 0u);  // replies name the URI apt sent
  EXPECT_EQ(r->expected.at("SHA256"),
            "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef");
  EXPECT_EQ(r->expected.at("MD5SUM"), "00112233445566778899aabbccddeeff");
  EXPECT_EQ(r->expected_size, 53124u);
  EXPECT_FALSE(r->index_file);
  EXPECT_FALSE(r->maximum_size);
}

TEST(AptAcquire, RefusesWhatCannotBeFetchedOrWritten) {
  const struct {
    const char* fields;
    const char* complaint;
  } cases[] = {
      {"URI: ftp://h/x\nFilename: /tmp/x\n", "URI"},
      {"URI: shoal+file:///etc/passwd\nFilename: /tmp/x\n", "URI"},
      {"URI: http://h/x\nFilename: relative/x\n", "Filename"},
      {"URI: http://h/x\nFilename: /tmp/x\nExpected-SHA256: xyz\n", "Expected-SHA256"},
      {"URI: http://h/x\nFilename: /tmp/x\nExpected-SHA256: abcd\n", "64 hex"},
      {"URI: http://h/x\nFilename: /tmp/x\nExpected-Checksum-FileSize: -1\n", "FileSize"},
      {"URI: http://h/x\nFilename: /tmp/x\nMaximum-Size: 10k\n", "Maximum-Size"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.fields);
    MessageReader reader;
    reader.Feed(std::string("600 URI Acquire\n") + c.fields + "\n");
    const auto m = reader.Next();
    ASSERT_TRUE(m) << reader.error();
    std::string error;
    EXPECT_FALSE(ParseAcquire(*m, &error));
    EXPECT_NE(error.find(c.complaint), std::string::npos) << error;
  }
}

// Found by tests/fuzz/apt_message_fuzz.cc: a code below 100 was written "60 ..." (unreadable),
// and a field whose name is only a carriage return was read as an empty name.
TEST(AptMessageFormat, ACodeBelow100IsWrittenWithThreeDigitsAndEmptyNamesAreRefused) {
  MessageReader reader;
  reader.Feed(Format(Message{60, "URI Acquire", {}}));
  const auto back = reader.Next();
  ASSERT_TRUE(back) << reader.error();
  EXPECT_EQ(back->code, 60);
  MessageReader empty_name;
  empty_name.Feed("600 URI Acquire\n\r: value\n\n");
  EXPECT_FALSE(empty_name.Next());
  EXPECT_FALSE(empty_name.error().empty());
}

TEST(AptMessageFormat, WritesWhatAptReadsAndNoValueBreaksALine) {
  Message done{201, "URI Done", {}};
  done.Set("URI", "http://h/x").Set("Message", "two\nlines");
  EXPECT_EQ(Format(done), "201 URI Done\nURI: http://h/x\nMessage: two lines\n\n");
  MessageReader reader;
  reader.Feed(Format(done));
  const auto back = reader.Next();
  ASSERT_TRUE(back);
  EXPECT_EQ(back->Get("Message"), "two lines");
}

}  // namespace
}  // namespace shoal::apt
