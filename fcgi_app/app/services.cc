#include "app/services.h"

#include <arpa/inet.h>
#include <sys/stat.h>

#include <boost/log/trivial.hpp>
#include <cstring>
#include <fstream>
#include <regex>

namespace payments {

Services::Services(const Config& c)
    : config(c),
      registry_audit(c.audit_log_path),
      ledger_journal(c.ledger_journal_path),
      license_audit(c.license_audit_log_path),
      top_orchestrators(c) {}

TopOrchestrators::TopOrchestrators(const Config& config)
    : inline_(config.top_orchestrators.begin(), config.top_orchestrators.end()),
      path_(config.top_orchestrators_path) {}

void TopOrchestrators::Reload() const {
  struct stat st {};
  if (::stat(path_.c_str(), &st) != 0) {
    if (file_present_ || file_mtime_ns_ == -1) {
      BOOST_LOG_TRIVIAL(warning) << "PAYMENTS_TOP_ORCHESTRATORS_PATH " << path_
                                 << " does not exist; the file adds no addresses";
    }
    file_present_ = false;
    file_mtime_ns_ = -2;
    from_file_.clear();
    return;
  }
  const long long mtime = static_cast<long long>(st.st_mtim.tv_sec) * 1000000000LL +
                          st.st_mtim.tv_nsec + static_cast<long long>(st.st_size);
  if (file_present_ && mtime == file_mtime_ns_) return;
  static const std::regex kAddress("^0x[a-fA-F0-9]{40}$");
  std::ifstream in(path_);
  std::set<std::string> addresses;
  std::string line;
  while (std::getline(in, line)) {
    const auto hash = line.find('#');
    if (hash != std::string::npos) line.erase(hash);
    const auto first = line.find_first_not_of(" \t\r,");
    if (first == std::string::npos) continue;
    const auto last = line.find_last_not_of(" \t\r,");
    const std::string address = line.substr(first, last - first + 1);
    if (!std::regex_match(address, kAddress)) {
      BOOST_LOG_TRIVIAL(warning) << "ignoring malformed address in " << path_;
      continue;
    }
    addresses.insert(ToLower(address));
  }
  from_file_ = std::move(addresses);
  file_present_ = true;
  file_mtime_ns_ = mtime;
  BOOST_LOG_TRIVIAL(info) << "loaded " << from_file_.size() << " top orchestrators from " << path_;
}

std::optional<bool> TopOrchestrators::Contains(const std::string& address_key) const {
  std::lock_guard<std::mutex> lock(mutex_);
  if (!path_.empty()) Reload();
  if (inline_.empty() && !file_present_) return std::nullopt;
  return inline_.count(address_key) != 0 || from_file_.count(address_key) != 0;
}

bool IpInList(const std::string& ip, const std::vector<std::string>& list) {
  unsigned char addr[16];
  int family = AF_INET;
  if (inet_pton(AF_INET, ip.c_str(), addr) != 1) {
    family = AF_INET6;
    if (inet_pton(AF_INET6, ip.c_str(), addr) != 1) return false;
  }
  const int bits_total = family == AF_INET ? 32 : 128;
  for (const std::string& item : list) {
    std::string net = item;
    int bits = bits_total;
    const auto slash = item.find('/');
    if (slash != std::string::npos) {
      net = item.substr(0, slash);
      bits = std::stoi(item.substr(slash + 1));
    }
    unsigned char want[16];
    if (inet_pton(family, net.c_str(), want) != 1) continue;
    if (bits > bits_total) continue;
    const int full = bits / 8;
    const int rest = bits % 8;
    if (std::memcmp(addr, want, static_cast<std::size_t>(full)) != 0) continue;
    if (rest != 0) {
      const auto mask = static_cast<unsigned char>(0xFF << (8 - rest));
      if ((addr[full] & mask) != (want[full] & mask)) continue;
    }
    return true;
  }
  return false;
}

}  // namespace payments
