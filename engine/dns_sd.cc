#include "engine/dns_sd.h"

#include <avahi-client/client.h>
#include <avahi-client/lookup.h>
#include <avahi-client/publish.h>
#include <avahi-common/alternative.h>
#include <avahi-common/error.h>
#include <avahi-common/malloc.h>
#include <avahi-common/strlst.h>
#include <avahi-common/thread-watch.h>

#include <utility>

#include "engine/log.h"

namespace shoal::engine {
namespace {

constexpr std::size_t kKeyHexDigits = 64;

bool IsLowerHex(const std::string& s) {
  return s.find_first_not_of("0123456789abcdef") == std::string::npos;
}

// Avahi's threaded poll with one client on it; the client's state callback goes to `on_state`.
struct AvahiThread {
  AvahiThreadedPoll* poll = nullptr;
  AvahiClient* client = nullptr;

  // Creates the poll and a client that waits for a daemon not yet running (NO_FAIL). The
  // state callback may run inside this call, before `client` is set: callbacks use their
  // own argument.
  bool Open(AvahiClientCallback callback, void* userdata, std::string* why) {
    poll = avahi_threaded_poll_new();
    if (poll == nullptr) {
      *why = "cannot make Avahi's poll";
      return false;
    }
    int error = 0;
    client = avahi_client_new(avahi_threaded_poll_get(poll), AVAHI_CLIENT_NO_FAIL, callback,
                              userdata, &error);
    if (client == nullptr) {
      *why = std::string("no D-Bus system bus for avahi-daemon: ") + avahi_strerror(error);
      return false;
    }
    if (avahi_threaded_poll_start(poll) < 0) {
      *why = "cannot start Avahi's thread";
      return false;
    }
    return true;
  }
  // Stops the thread first: no callback runs during or after the frees.
  void Close() {
    if (poll != nullptr) avahi_threaded_poll_stop(poll);
    if (client != nullptr) avahi_client_free(client);  // frees its browsers and groups
    if (poll != nullptr) avahi_threaded_poll_free(poll);
    client = nullptr;
    poll = nullptr;
  }
};

}  // namespace

std::vector<std::string> CacheNodeTxt(const CacheNodeAd& ad) {
  std::vector<std::string> txt = {"txtvers=1"};
  if (!ad.key.empty()) txt.push_back("key=" + ad.key);
  return txt;
}

bool ParseCacheNodeTxt(const std::vector<std::string>& txt, CacheNodeAd* ad, std::string* why) {
  bool version = false, keyed = false;
  std::string key;
  for (const std::string& item : txt) {
    const std::size_t eq = item.find('=');
    const std::string name = item.substr(0, eq);
    const std::string value = eq == std::string::npos ? "" : item.substr(eq + 1);
    if (name == "txtvers") {
      if (value != "1") {
        *why = "txtvers is not 1";
        return false;
      }
      version = true;
    } else if (name == "key") {
      if (keyed) {
        *why = "key is given twice";
        return false;
      }
      if (value.size() != kKeyHexDigits || !IsLowerHex(value)) {
        *why = "key is not 64 lower-case hex digits";
        return false;
      }
      keyed = true;
      key = value;
    }
  }
  if (!version) {
    *why = "no txtvers=1";
    return false;
  }
  ad->key = key;
  return true;
}

// ---- Browser ----

struct DnsSdBrowser::Impl {
  AvahiThread avahi;
  AvahiServiceBrowser* browser = nullptr;  // Avahi's thread only
  OnFound on_found;
  OnSettled on_settled;
  bool settled = false;  // Avahi's thread only (and Start, before the thread runs)

  void Settle() {
    if (settled) return;
    settled = true;
    on_settled();
  }

  static void Resolved(AvahiServiceResolver* r, AvahiIfIndex, AvahiProtocol,
                       AvahiResolverEvent event, const char* name, const char*, const char*,
                       const char*, const AvahiAddress* address, uint16_t port,
                       AvahiStringList* txt, AvahiLookupResultFlags, void* userdata) {
    auto* self = static_cast<Impl*>(userdata);
    if (event == AVAHI_RESOLVER_FOUND && address != nullptr && port != 0) {
      std::vector<std::string> items;
      for (AvahiStringList* l = txt; l != nullptr; l = avahi_string_list_get_next(l)) {
        items.emplace_back(reinterpret_cast<const char*>(avahi_string_list_get_text(l)),
                           avahi_string_list_get_size(l));
      }
      CacheNodeAd ad;
      std::string why;
      char ip[AVAHI_ADDRESS_STR_MAX] = {};
      avahi_address_snprint(ip, sizeof ip, address);
      if (ParseCacheNodeTxt(items, &ad, &why)) {
        ad.address = ip;
        ad.port = port;
        self->on_found(ad);
      } else {
        Logf(LogLevel::kInfo, "dns-sd", "ignoring cache node \"%s\" at %s:%u: %s", name, ip,
             unsigned{port}, why.c_str());
      }
    }
    avahi_service_resolver_free(r);
  }

  static void Browsed(AvahiServiceBrowser* b, AvahiIfIndex interface, AvahiProtocol protocol,
                      AvahiBrowserEvent event, const char* name, const char* type,
                      const char* domain, AvahiLookupResultFlags, void* userdata) {
    auto* self = static_cast<Impl*>(userdata);
    switch (event) {
      case AVAHI_BROWSER_NEW:
        if (avahi_service_resolver_new(avahi_service_browser_get_client(b), interface, protocol,
                                       name, type, domain, AVAHI_PROTO_INET,
                                       static_cast<AvahiLookupFlags>(0), Resolved,
                                       self) == nullptr) {
          Logf(LogLevel::kInfo, "dns-sd", "cannot resolve cache node \"%s\"", name);
        }
        break;
      case AVAHI_BROWSER_ALL_FOR_NOW:
      case AVAHI_BROWSER_FAILURE:
        self->Settle();
        break;
      default:  // REMOVE: a node that left fails its requests and is skipped (CacheHosts)
        break;
    }
  }

  static void State(AvahiClient* c, AvahiClientState state, void* userdata) {
    auto* self = static_cast<Impl*>(userdata);
    if (state == AVAHI_CLIENT_S_RUNNING && self->browser == nullptr) {
      self->browser = avahi_service_browser_new(c, AVAHI_IF_UNSPEC, AVAHI_PROTO_INET,
                                                kCacheNodeServiceType, nullptr,
                                                static_cast<AvahiLookupFlags>(0), Browsed, self);
      if (self->browser == nullptr) self->Settle();
    } else if (state == AVAHI_CLIENT_CONNECTING || state == AVAHI_CLIENT_FAILURE) {
      // No daemon (yet, or any more): nothing to wait for; browse again once it is back.
      if (self->browser != nullptr) avahi_service_browser_free(self->browser);
      self->browser = nullptr;
      self->Settle();
    }
  }
};

DnsSdBrowser::DnsSdBrowser(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
DnsSdBrowser::~DnsSdBrowser() { impl_->avahi.Close(); }

std::unique_ptr<DnsSdBrowser> DnsSdBrowser::Start(OnFound on_found, OnSettled on_settled,
                                                  std::string* why) {
  auto impl = std::make_unique<Impl>();
  impl->on_found = std::move(on_found);
  impl->on_settled = std::move(on_settled);
  if (!impl->avahi.Open(&Impl::State, impl.get(), why)) {
    impl->avahi.Close();
    return nullptr;
  }
  return std::unique_ptr<DnsSdBrowser>(new DnsSdBrowser(std::move(impl)));
}

// ---- Publisher ----

struct DnsSdPublisher::Impl {
  AvahiThread avahi;
  AvahiEntryGroup* group = nullptr;  // Avahi's thread only
  std::string name;
  CacheNodeAd ad;

  void Rename() {
    char* next = avahi_alternative_service_name(name.c_str());
    Logf(LogLevel::kInfo, "dns-sd", "the name \"%s\" is taken on the LAN: publishing as \"%s\"",
         name.c_str(), next);
    name = next;
    avahi_free(next);
  }

  void Publish(AvahiClient* c) {
    if (group == nullptr) group = avahi_entry_group_new(c, &Impl::GroupState, this);
    if (group == nullptr || !avahi_entry_group_is_empty(group)) return;
    AvahiStringList* txt = nullptr;
    for (const std::string& item : CacheNodeTxt(ad)) txt = avahi_string_list_add(txt, item.c_str());
    int r = avahi_entry_group_add_service_strlst(
        group, AVAHI_IF_UNSPEC, AVAHI_PROTO_INET, static_cast<AvahiPublishFlags>(0), name.c_str(),
        kCacheNodeServiceType, nullptr, nullptr, ad.port, txt);
    avahi_string_list_free(txt);
    if (r == AVAHI_ERR_COLLISION) {
      Rename();
      avahi_entry_group_reset(group);
      return Publish(c);
    }
    if (r >= 0) r = avahi_entry_group_commit(group);
    if (r < 0) {
      Logf(LogLevel::kWarning, "dns-sd", "cannot publish the cache node: %s", avahi_strerror(r));
    }
  }

  static void GroupState(AvahiEntryGroup* g, AvahiEntryGroupState state, void* userdata) {
    auto* self = static_cast<Impl*>(userdata);
    if (state == AVAHI_ENTRY_GROUP_ESTABLISHED) {
      Logf(LogLevel::kInfo, "dns-sd", "published \"%s\" (%s, port %u)", self->name.c_str(),
           kCacheNodeServiceType, unsigned{self->ad.port});
    } else if (state == AVAHI_ENTRY_GROUP_COLLISION) {
      self->Rename();
      avahi_entry_group_reset(g);
      self->Publish(avahi_entry_group_get_client(g));
    }
  }

  static void State(AvahiClient* c, AvahiClientState state, void* userdata) {
    auto* self = static_cast<Impl*>(userdata);
    switch (state) {
      case AVAHI_CLIENT_S_RUNNING:
        self->Publish(c);
        break;
      case AVAHI_CLIENT_S_COLLISION:
      case AVAHI_CLIENT_S_REGISTERING:  // the host's name changes: publish again once running
        if (self->group != nullptr) avahi_entry_group_reset(self->group);
        break;
      case AVAHI_CLIENT_CONNECTING:
      case AVAHI_CLIENT_FAILURE:
        if (self->group != nullptr) avahi_entry_group_free(self->group);
        self->group = nullptr;
        break;
    }
  }
};

DnsSdPublisher::DnsSdPublisher(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
DnsSdPublisher::~DnsSdPublisher() { impl_->avahi.Close(); }

std::unique_ptr<DnsSdPublisher> DnsSdPublisher::Start(const std::string& name,
                                                      const CacheNodeAd& ad, std::string* why) {
  auto impl = std::make_unique<Impl>();
  impl->name = name;
  impl->ad = ad;
  if (!impl->avahi.Open(&Impl::State, impl.get(), why)) {
    impl->avahi.Close();
    return nullptr;
  }
  return std::unique_ptr<DnsSdPublisher>(new DnsSdPublisher(std::move(impl)));
}

}  // namespace shoal::engine
