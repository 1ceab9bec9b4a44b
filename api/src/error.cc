#include "api/src/error.h"

#include <vector>

#include "api/src/core.h"
#include "api/src/file.h"
#include "api/src/strings.h"
#include "engine/hresult.h"

namespace shoal::api {

const char* DescribeContext(BG_ERROR_CONTEXT context) {
  switch (context) {
    case BG_ERROR_CONTEXT_NONE:
      return "No error context is available.";
    case BG_ERROR_CONTEXT_UNKNOWN:
      return "The error context is unknown.";
    case BG_ERROR_CONTEXT_GENERAL_QUEUE_MANAGER:
      return "The error occurred in the transfer queue manager.";
    case BG_ERROR_CONTEXT_QUEUE_MANAGER_NOTIFICATION:
      return "The error occurred while notifying the application.";
    case BG_ERROR_CONTEXT_LOCAL_FILE:
      return "The error occurred while processing the local file.";
    case BG_ERROR_CONTEXT_REMOTE_FILE:
      return "The error occurred while processing the remote file.";
    case BG_ERROR_CONTEXT_GENERAL_TRANSPORT:
      return "The error occurred in the transport layer.";
    case BG_ERROR_CONTEXT_REMOTE_APPLICATION:
      return "The error occurred in the remote server application.";
  }
  return "The error context is unknown.";
}

ErrorObject* ErrorObject::Create(const std::shared_ptr<Core>& core,
                                 const std::shared_ptr<const JobHandle>& job,
                                 const JobErrorInfo& info) {
  IBackgroundCopyFile* file = nullptr;
  if (info.file_index >= 0) {
    std::vector<FileInfo> files;
    const auto index = static_cast<std::size_t>(info.file_index);
    if (SUCCEEDED(core->backend().GetFiles(job->id(), &files)) && index < files.size()) {
      file = new FileObject(job, index, files[index]);
    }
  }
  return new ErrorObject(info, file);
}

ErrorObject::ErrorObject(const JobErrorInfo& info, IBackgroundCopyFile* file)
    : info_(info), file_(file) {}

ErrorObject::~ErrorObject() {
  if (file_ != nullptr) file_->Release();
}

HRESULT ErrorObject::QueryInterface(REFIID riid, void** ppv) {
  if (ppv == nullptr) return E_POINTER;
  if (riid == IID_IUnknown || riid == IID_IBackgroundCopyError) {
    *ppv = static_cast<IBackgroundCopyError*>(this);
    AddRef();
    return S_OK;
  }
  *ppv = nullptr;
  return E_NOINTERFACE;
}

HRESULT ErrorObject::GetError(BG_ERROR_CONTEXT* pContext, HRESULT* pCode) {
  if (pContext == nullptr || pCode == nullptr) return E_POINTER;
  *pContext = static_cast<BG_ERROR_CONTEXT>(info_.context);
  *pCode = info_.code;
  return S_OK;
}

HRESULT ErrorObject::GetFile(IBackgroundCopyFile** pVal) {
  if (pVal == nullptr) return E_POINTER;
  *pVal = file_;
  if (file_ == nullptr) return BG_E_FILE_NOT_AVAILABLE;
  file_->AddRef();
  return S_OK;
}

HRESULT ErrorObject::GetErrorDescription(DWORD LanguageId, LPWSTR* pErrorDescription) {
  if (pErrorDescription == nullptr) return E_POINTER;
  *pErrorDescription = nullptr;
  // IBackgroundCopyError::GetErrorDescription: "The LanguageId parameter cannot be 0."
  if (LanguageId == 0) return E_INVALIDARG;
  return Guarded([&] {
    std::string text = hr::Describe(info_.code);
    if (!info_.message.empty()) text = text.empty() ? info_.message : text + " " + info_.message;
    if (text.empty()) text = "Unknown error.";
    return CopyOutUtf8(text, pErrorDescription);
  });
}

HRESULT ErrorObject::GetErrorContextDescription(DWORD LanguageId, LPWSTR* pContextDescription) {
  if (pContextDescription == nullptr) return E_POINTER;
  *pContextDescription = nullptr;
  if (LanguageId == 0) return E_INVALIDARG;  // as GetErrorContextDescription documents
  return Guarded([&] {
    return CopyOutUtf8(DescribeContext(static_cast<BG_ERROR_CONTEXT>(info_.context)),
                       pContextDescription);
  });
}

HRESULT ErrorObject::GetProtocol(LPWSTR* pProtocol) {
  if (pProtocol == nullptr) return E_POINTER;
  *pProtocol = nullptr;
  if (info_.protocol.empty()) return BG_E_PROTOCOL_NOT_AVAILABLE;
  return Guarded([&] { return CopyOutUtf8(info_.protocol, pProtocol); });
}

}  // namespace shoal::api
