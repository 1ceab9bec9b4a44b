// The wire format's later BITS properties (IBackgroundCopyJob2-5, IBackgroundCopyJobHttpOptions)
// and the error's no-progress mark: what a client sets reaches shoald and comes back.
#include "api/src/wire.h"

#include <gtest/gtest.h>

namespace shoal::api {
namespace {

TEST(WireBitsExt, PatchPropertiesAndErrorRoundTrip) {
  JobPropertiesPatch patch;
  patch.notify_program = "/usr/bin/touch";
  patch.notify_parameters = "touch \"/tmp/a b\"";
  patch.custom_headers = "X-A: 1\r\n";
  patch.security_flags = 0;
  patch.file_acl_flags = 3;
  patch.peer_caching_flags = 1;
  patch.maximum_download_time_s = 60;
  patch.cost_flags = 0x8000007fu;
  patch.notification_clsid = "{00000000-0000-4000-8000-000000000001}";
  const JobPropertiesPatch back = wire::PatchFrom(wire::ToJson(patch));
  EXPECT_EQ(back.notify_program, patch.notify_program);
  EXPECT_EQ(back.notify_parameters, patch.notify_parameters);
  EXPECT_EQ(back.custom_headers, patch.custom_headers);
  EXPECT_EQ(back.security_flags, patch.security_flags);
  EXPECT_EQ(back.file_acl_flags, patch.file_acl_flags);
  EXPECT_EQ(back.peer_caching_flags, patch.peer_caching_flags);
  EXPECT_EQ(back.maximum_download_time_s, patch.maximum_download_time_s);
  EXPECT_EQ(back.cost_flags, patch.cost_flags);
  EXPECT_EQ(back.notification_clsid, patch.notification_clsid);
  EXPECT_FALSE(wire::PatchFrom(wire::ToJson(JobPropertiesPatch{})).custom_headers)
      << "an absent field stays absent";

  JobProperties props;
  ASSERT_EQ(ApplyPatch(patch, &props), hr::kOk);
  const JobProperties p2 = wire::PropertiesFrom(wire::ToJson(props));
  EXPECT_EQ(p2.custom_headers, "X-A: 1\r\n");
  EXPECT_EQ(p2.maximum_download_time_s, 60u);
  EXPECT_EQ(p2.notification_clsid, patch.notification_clsid);

  JobErrorInfo e;
  e.code = hr::kFail;
  e.no_progress = true;
  EXPECT_TRUE(wire::ErrorInfoFrom(wire::ToJson(e)).no_progress);
}

// ApplyPatch is where the service checks what a client sends (it cannot trust the facade's
// checks): header lines cannot smuggle a bare CR or LF, flags stay within their sets.
TEST(WireBitsExt, ApplyPatchRefusesBadValues) {
  JobProperties props;
  JobPropertiesPatch bad;
  bad.custom_headers = "X-A: 1\r\nX-B: 2\n";
  EXPECT_EQ(ApplyPatch(bad, &props), hr::kInvalidArg);
  bad.custom_headers = "X-A: 1\rGET / HTTP/1.1\r\n";
  EXPECT_EQ(ApplyPatch(bad, &props), hr::kInvalidArg);
  bad = {};
  bad.notify_parameters = "x";  // parameters without a program
  EXPECT_EQ(ApplyPatch(bad, &props), hr::kInvalidArg);
  bad = {};
  bad.peer_caching_flags = 8;
  EXPECT_EQ(ApplyPatch(bad, &props), hr::kInvalidArg);
  bad = {};
  bad.file_acl_flags = 16;
  EXPECT_EQ(ApplyPatch(bad, &props), hr::kInvalidArg);
  bad = {};
  bad.notification_clsid = "{short}";
  EXPECT_EQ(ApplyPatch(bad, &props), hr::kInvalidArg);
  EXPECT_EQ(props.custom_headers, "") << "a refused patch changes nothing";
}

}  // namespace
}  // namespace shoal::api
