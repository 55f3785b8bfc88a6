// AuditLog: an append-only JSONL file. Each Append writes one complete line
// with a single write() on an O_APPEND descriptor, so lines from any number
// of threads and processes never interleave. Thread-safe.
#pragma once

#include <json/value.h>

#include <string>

namespace payments {

class AuditLog {
 public:
  // Opens (creating the file and its parent directories) `path`. Throws
  // std::runtime_error when that is impossible: a service that cannot
  // audit must not start.
  explicit AuditLog(std::string path);
  ~AuditLog();
  AuditLog(const AuditLog&) = delete;
  AuditLog& operator=(const AuditLog&) = delete;

  // Appends `event` plus a "timestamp" field (now, ISO-8601) as one line.
  // Returns false (and logs) if the write failed or was short.
  bool Append(Json::Value event) const;

  const std::string& path() const { return path_; }

 private:
  std::string path_;
  int fd_ = -1;
};

}  // namespace payments
