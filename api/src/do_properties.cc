// IDODownload's properties (DODownloadProperty): what each is, its VARIANT type, when it may
// be set, and which shoal keeps only (docs/api.md, "IDODownload properties").
#include <utility>

#include "api/src/do_download.h"
#include "shoal/activation.h"

namespace shoal::api {
namespace {

bool IsFinal(DODownloadState s) {
  return s == DODownloadState_Finalized || s == DODownloadState_Aborted;
}

HRESULT Bstr(const std::wstring& text, VARIANT* out) {
  out->bstrVal = SysAllocString(text.c_str());
  if (out->bstrVal == nullptr) return E_OUTOFMEMORY;
  out->vt = VT_BSTR;
  return S_OK;
}

void Ui4(ULONG value, VARIANT* out) {
  out->vt = VT_UI4;
  out->ulVal = value;
}

void Bool(bool value, VARIANT* out) {
  out->vt = VT_BOOL;
  out->boolVal = value ? VARIANT_TRUE : VARIANT_FALSE;
}

}  // namespace

HRESULT DownloadObject::GetProperty(DODownloadProperty propId, VARIANT* propVal) {
  if (propVal == nullptr) return E_POINTER;
  VariantInit(propVal);
  return Guarded([&]() -> HRESULT {
    engine::MutexLock lock(mu_);
    switch (propId) {
      case DODownloadProperty_Id:
        return Bstr(IdString(), propVal);
      case DODownloadProperty_Uri:
      case DODownloadProperty_LocalPath: {
        const bool remote = propId == DODownloadProperty_Uri;
        const auto& set = remote ? uri_ : local_path_;
        if (set) return Bstr(*set, propVal);
        const std::wstring name = FileName(remote);  // a download found by EnumDownloads
        return name.empty() ? E_NOT_SET : Bstr(name, propVal);
      }
      case DODownloadProperty_DisplayName:
        return Bstr(DisplayName(), propVal);
      case DODownloadProperty_CostPolicy:
        Ui4(cost_policy_, propVal);
        return S_OK;
      case DODownloadProperty_CallbackFreqPercent:
        if (!callback_freq_percent_) return E_NOT_SET;
        Ui4(*callback_freq_percent_, propVal);
        return S_OK;
      case DODownloadProperty_CallbackFreqSeconds:
        Ui4(callback_freq_seconds_, propVal);
        return S_OK;
      case DODownloadProperty_NoProgressTimeoutSeconds: {
        ULONG seconds = 0;
        const HRESULT h = job_->GetNoProgressTimeout(&seconds);
        if (SUCCEEDED(h)) Ui4(seconds, propVal);
        return h;
      }
      case DODownloadProperty_ForegroundPriority:
        Bool(foreground_, propVal);
        return S_OK;
      case DODownloadProperty_BlockingMode:
        Bool(blocking_, propVal);
        return S_OK;
      case DODownloadProperty_CallbackInterface:
        if (callback_ == nullptr) return E_NOT_SET;
        callback_->AddRef();
        propVal->vt = VT_UNKNOWN;
        propVal->punkVal = callback_;
        return S_OK;
      case DODownloadProperty_HttpCustomHeaders: {
        // The job's IBackgroundCopyJobHttpOptions headers: S_FALSE there is "never set".
        IBackgroundCopyJobHttpOptions* http = nullptr;
        HRESULT h = job_->QueryInterface(IID_IBackgroundCopyJobHttpOptions,
                                         reinterpret_cast<void**>(&http));
        if (FAILED(h)) return h;
        ScopedRelease<IBackgroundCopyJobHttpOptions> hold(http);
        LPWSTR headers = nullptr;
        h = http->GetCustomHeaders(&headers);
        if (h != S_OK) return FAILED(h) ? h : E_NOT_SET;
        h = Bstr(headers, propVal);
        CoTaskMemFree(headers);
        return h;
      }
      case DODownloadProperty_TotalSizeBytes: {
        BG_JOB_PROGRESS p{};
        const HRESULT h = job_->GetProgress(&p);
        if (FAILED(h)) return h;
        propVal->vt = VT_UI8;
        propVal->ullVal = p.BytesTotal;
        return S_OK;
      }
      case DODownloadProperty_SecurityFlags:
      case DODownloadProperty_SecurityContext:
      case DODownloadProperty_NetworkToken:
      case DODownloadProperty_DecryptionInfo:
      case DODownloadProperty_IntegrityCheckInfo:
        return DO_E_WRITE_ONLY_PROPERTY;
      case DODownloadProperty_ContentId:
      case DODownloadProperty_StreamInterface:
      case DODownloadProperty_CorrelationVector:
      case DODownloadProperty_IntegrityCheckMandatory:
      case DODownloadProperty_DisallowOnCellular:
      case DODownloadProperty_HttpCustomAuthHeaders:
      case DODownloadProperty_HttpAllowSecureToNonSecureRedirect:
      case DODownloadProperty_NonVolatile:
        return E_NOT_SET;  // never settable in shoal (SetProperty: E_NOTIMPL)
    }
    return DO_E_UNKNOWN_PROPERTY_ID;
  });
}

HRESULT DownloadObject::SetProperty(DODownloadProperty propId, const VARIANT* propVal) {
  if (propVal == nullptr) return E_INVALIDARG;
  if (propId < DODownloadProperty_Id || propId > DODownloadProperty_NonVolatile) {
    return DO_E_UNKNOWN_PROPERTY_ID;
  }
  if (propId == DODownloadProperty_Id || propId == DODownloadProperty_TotalSizeBytes) {
    return DO_E_READ_ONLY_PROPERTY;
  }
  return Guarded([&]() -> HRESULT {
    const DODownloadState state = State();
    if (IsFinal(state)) return DO_E_INVALID_STATE;
    const VARTYPE vt = propVal->vt;
    switch (propId) {
      case DODownloadProperty_Uri:
      case DODownloadProperty_LocalPath: {
        if (vt != VT_BSTR || propVal->bstrVal == nullptr) return E_INVALIDARG;
        // The job's file is fixed once it is added (at the first Start).
        if (state != DODownloadState_Created) return DO_E_INVALID_STATE;
        engine::MutexLock lock(mu_);
        (propId == DODownloadProperty_Uri ? uri_ : local_path_) = std::wstring(propVal->bstrVal);
        return S_OK;
      }
      case DODownloadProperty_DisplayName:
        if (vt != VT_BSTR || propVal->bstrVal == nullptr) return E_INVALIDARG;
        return job_->SetDisplayName(propVal->bstrVal);
      case DODownloadProperty_CostPolicy: {
        if (vt != VT_UI4 || propVal->ulVal > DODownloadCostPolicy_NoCellular) return E_INVALIDARG;
        engine::MutexLock lock(mu_);
        cost_policy_ = propVal->ulVal;  // kept: Linux tells no metered network apart
        return S_OK;
      }
      case DODownloadProperty_CallbackFreqPercent:
      case DODownloadProperty_CallbackFreqSeconds: {
        if (vt != VT_UI4) return E_INVALIDARG;
        engine::MutexLock lock(mu_);
        if (propId == DODownloadProperty_CallbackFreqPercent) {
          if (propVal->ulVal > 100) return E_INVALIDARG;
          callback_freq_percent_ = propVal->ulVal;
        } else {
          callback_freq_seconds_ = propVal->ulVal;
        }
        return S_OK;
      }
      case DODownloadProperty_NoProgressTimeoutSeconds:
        if (vt != VT_UI4) return E_INVALIDARG;
        return job_->SetNoProgressTimeout(propVal->ulVal);
      case DODownloadProperty_ForegroundPriority: {
        if (vt != VT_BOOL) return E_INVALIDARG;
        const bool on = propVal->boolVal != VARIANT_FALSE;
        const HRESULT h =
            job_->SetPriority(on ? BG_JOB_PRIORITY_FOREGROUND : BG_JOB_PRIORITY_NORMAL);
        if (FAILED(h)) return h;
        engine::MutexLock lock(mu_);
        foreground_ = on;
        return S_OK;
      }
      case DODownloadProperty_BlockingMode: {
        if (vt != VT_BOOL) return E_INVALIDARG;
        engine::MutexLock lock(mu_);
        blocking_ = propVal->boolVal != VARIANT_FALSE;
        return S_OK;
      }
      case DODownloadProperty_CallbackInterface:
        if (vt != VT_UNKNOWN) return E_INVALIDARG;
        return SetCallback(propVal->punkVal);
      case DODownloadProperty_HttpCustomHeaders: {
        // Sent with every HTTP request of the download, as the job's custom headers.
        if (vt != VT_BSTR || propVal->bstrVal == nullptr) return E_INVALIDARG;
        IBackgroundCopyJobHttpOptions* http = nullptr;
        const HRESULT h = job_->QueryInterface(IID_IBackgroundCopyJobHttpOptions,
                                               reinterpret_cast<void**>(&http));
        if (FAILED(h)) return h;
        ScopedRelease<IBackgroundCopyJobHttpOptions> hold(http);
        return http->SetCustomHeaders(propVal->bstrVal);
      }
      default:
        // ContentId, streams, security and integrity settings, decryption:
        // not implemented (docs/api.md).
        return E_NOTIMPL;
    }
  });
}

HRESULT DownloadObject::SetCallback(IUnknown* callback) {
  IDODownloadStatusCallback* status = nullptr;
  if (callback != nullptr && FAILED(callback->QueryInterface(IID_IDODownloadStatusCallback,
                                                             reinterpret_cast<void**>(&status)))) {
    return E_NOINTERFACE;
  }
  auto* forwarder = status == nullptr ? nullptr : new StatusForwarder(this, status);
  HRESULT h = job_->SetNotifyInterface(forwarder);
  if (SUCCEEDED(h) && forwarder != nullptr) h = job_->SetNotifyFlags(StatusForwarder::kFlags);
  if (FAILED(h)) {
    if (forwarder != nullptr) {
      forwarder->Detach();
      job_->SetNotifyInterface(nullptr);
      forwarder->Release();
    }
    return h;
  }
  if (callback != nullptr) callback->AddRef();
  StatusForwarder* old_forwarder = nullptr;
  IUnknown* old_callback = nullptr;
  {
    engine::MutexLock lock(mu_);
    old_forwarder = std::exchange(forwarder_, forwarder);
    old_callback = std::exchange(callback_, callback);
  }
  if (old_forwarder != nullptr) {
    old_forwarder->Detach();
    old_forwarder->Release();
  }
  if (old_callback != nullptr) old_callback->Release();
  return S_OK;
}

}  // namespace shoal::api
