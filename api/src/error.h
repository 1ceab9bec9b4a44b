// ErrorObject: IBackgroundCopyError, a snapshot of a job's error taken when GetError (or the
// JobError callback) asked for it. Immutable after creation: thread-safe.
#pragma once

#include <memory>

#include "api/src/backend.h"
#include "api/src/com_object.h"
#include "shoal/bits.h"

namespace shoal::api {

class Core;

class ErrorObject final : public IBackgroundCopyError, public RefCounted {
 public:
  // Returns a new object (one reference). Looks up the failing file, if any, in the backend.
  static ErrorObject* Create(const std::shared_ptr<Core>& core,
                             const std::shared_ptr<const JobHandle>& job, const JobErrorInfo& info);

  HRESULT STDMETHODCALLTYPE QueryInterface(REFIID riid, void** ppv) override;
  ULONG STDMETHODCALLTYPE AddRef() override { return AddRefImpl(); }
  ULONG STDMETHODCALLTYPE Release() override { return ReleaseImpl(); }

  HRESULT STDMETHODCALLTYPE GetError(BG_ERROR_CONTEXT* pContext, HRESULT* pCode) override;
  HRESULT STDMETHODCALLTYPE GetFile(IBackgroundCopyFile** pVal) override;
  HRESULT STDMETHODCALLTYPE GetErrorDescription(DWORD LanguageId,
                                                LPWSTR* pErrorDescription) override;
  HRESULT STDMETHODCALLTYPE GetErrorContextDescription(DWORD LanguageId,
                                                       LPWSTR* pContextDescription) override;
  HRESULT STDMETHODCALLTYPE GetProtocol(LPWSTR* pProtocol) override;

  const JobErrorInfo& info() const { return info_; }

 private:
  ErrorObject(const JobErrorInfo& info, IBackgroundCopyFile* file);
  ~ErrorObject() override;

  const JobErrorInfo info_;
  IBackgroundCopyFile* const file_;  // owned reference, or null
};

// English text for a BG_ERROR_CONTEXT.
const char* DescribeContext(BG_ERROR_CONTEXT context);

}  // namespace shoal::api
