#include "audit/audit_log.h"

#include <fcntl.h>
#include <unistd.h>

#include <boost/log/trivial.hpp>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <stdexcept>

#include "domain/timestamp.h"
#include "http/json.h"

namespace payments {

AuditLog::AuditLog(std::string path) : path_(std::move(path)) {
  const std::filesystem::path parent = std::filesystem::path(path_).parent_path();
  if (!parent.empty()) {
    std::error_code ec;
    std::filesystem::create_directories(parent, ec);
    if (ec) throw std::runtime_error("cannot create " + parent.string() + ": " + ec.message());
  }
  fd_ = ::open(path_.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
  if (fd_ < 0) {
    throw std::runtime_error("cannot open audit log " + path_ + ": " + std::strerror(errno));
  }
}

AuditLog::~AuditLog() {
  if (fd_ >= 0) ::close(fd_);
}

bool AuditLog::Append(Json::Value event) const {
  if (!event.isMember("timestamp")) event["timestamp"] = Timestamp::Now().ToIso();
  std::string line = ToJson(event);
  line.push_back('\n');
  const ssize_t written = ::write(fd_, line.data(), line.size());
  if (written != static_cast<ssize_t>(line.size())) {
    BOOST_LOG_TRIVIAL(error) << "audit write to " << path_
                             << " failed: " << (written < 0 ? std::strerror(errno) : "short write");
    return false;
  }
  return true;
}

}  // namespace payments
