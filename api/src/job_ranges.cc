// JobObject, part 3: AddFileWithRanges, for IBackgroundCopyJob3 and IDeliveryOptimizationJob.
#include <vector>

#include "api/src/job.h"
#include "engine/byte_ranges.h"

namespace shoal::api {

HRESULT JobObject::AddFileWithRangesImpl(LPCWSTR remote_url, LPCWSTR local_name, DWORD range_count,
                                         const BG_FILE_RANGE* ranges, UINT64 file_size) {
  // IBackgroundCopyJob3::AddFileWithRanges: "RangeCount is zero" is E_INVALIDARG.
  if (range_count == 0 || ranges == nullptr) return E_INVALIDARG;
  return Guarded([&] {
    std::vector<FileSpec> specs(1);
    if (const HRESULT h = MakeFileSpec(remote_url, local_name, &specs[0]); FAILED(h)) return h;
    specs[0].ranges.reserve(range_count);
    for (DWORD i = 0; i < range_count; ++i) {
      specs[0].ranges.push_back({ranges[i].InitialOffset, ranges[i].Length});
    }
    // Checked here too, against the caller's size: the engine checks again against the real
    // one once the metainfo or the server tells it (the job then fails with BG_E_INVALID_RANGE).
    if (const HRESULT h = engine::ValidateRanges(specs[0].ranges, file_size); FAILED(h)) return h;
    return AddSpecs(std::move(specs));
  });
}

}  // namespace shoal::api
