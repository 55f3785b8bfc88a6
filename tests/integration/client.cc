#include "tests/integration/client.h"

#include <curl/curl.h>
#include <json/reader.h>
#include <json/writer.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <memory>
#include <mutex>
#include <random>
#include <sstream>
#include <stdexcept>
#include <thread>

namespace payments::testing {
namespace {

std::string EnvOr(const char* name, const char* fallback) {
  const char* value = std::getenv(name);
  return value != nullptr ? value : fallback;
}

size_t WriteBody(char* data, size_t size, size_t count, void* user) {
  static_cast<std::string*>(user)->append(data, size * count);
  return size * count;
}

size_t WriteHeader(char* data, size_t size, size_t count, void* user) {
  auto* headers = static_cast<std::map<std::string, std::string>*>(user);
  std::string line(data, size * count);
  const auto colon = line.find(':');
  if (colon != std::string::npos) {
    std::string name = line.substr(0, colon);
    for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    std::string value = line.substr(colon + 1);
    const auto first = value.find_first_not_of(" \t");
    const auto last = value.find_last_not_of(" \t\r\n");
    (*headers)[name] = first == std::string::npos ? "" : value.substr(first, last - first + 1);
  }
  return size * count;
}

std::string RunId() {
  static const std::string id = [] {
    std::random_device rd;
    char buf[16];
    std::snprintf(buf, sizeof buf, "%08x", rd());
    return std::string(buf);
  }();
  return id;
}

}  // namespace

const TestEnv& TestEnv::Get() {
  static const TestEnv env = [] {
    curl_global_init(CURL_GLOBAL_DEFAULT);
    TestEnv e;
    e.url = EnvOr("PAYMENTS_TEST_URL", "");
    e.bare_url = EnvOr("PAYMENTS_TEST_BARE_URL", "");
    e.ca = EnvOr("PAYMENTS_TEST_CA", "");
    e.admin_token = EnvOr("PAYMENTS_TEST_ADMIN_TOKEN", "");
    e.viewer_token = EnvOr("PAYMENTS_TEST_VIEWER_TOKEN", "");
    e.run_dir = EnvOr("PAYMENTS_TEST_RUN_DIR", "");
    e.data_dir = EnvOr("PAYMENTS_TEST_DATA_DIR", "");
    e.db_socket = EnvOr("PAYMENTS_TEST_DB_SOCKET", "");
    if (e.url.empty() || e.ca.empty()) {
      throw std::runtime_error(
          "integration tests need the stack of `scripts/dev.sh test` (PAYMENTS_TEST_URL unset)");
    }
    return e;
  }();
  return env;
}

std::string HttpResult::Describe() const { return std::to_string(status) + " " + body; }

HttpResult Send(const std::string& method, const std::string& path, const std::string& body,
                const RequestOptions& options) {
  const TestEnv& env = TestEnv::Get();
  std::unique_ptr<CURL, decltype(&curl_easy_cleanup)> curl(curl_easy_init(), curl_easy_cleanup);
  if (!curl) throw std::runtime_error("curl_easy_init failed");
  HttpResult result;
  const std::string url = (options.base_url.empty() ? env.url : options.base_url) + path;
  curl_slist* headers = nullptr;
  for (const std::string& h : options.headers) headers = curl_slist_append(headers, h.c_str());
  bool has_content_type = false;
  for (const std::string& h : options.headers) {
    if (h.rfind("Content-Type:", 0) == 0) has_content_type = true;
  }
  if (!body.empty() && !has_content_type) {
    headers = curl_slist_append(headers, "Content-Type: application/json");
  }
  headers = curl_slist_append(headers, "Expect:");
  CURL* c = curl.get();
  curl_easy_setopt(c, CURLOPT_URL, url.c_str());
  curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method.c_str());
  if (!body.empty() || method == "POST" || method == "PUT" || method == "PATCH") {
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, body.data());
    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
  }
  if (method == "GET") curl_easy_setopt(c, CURLOPT_HTTPGET, 1L);
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(c, CURLOPT_CAINFO, env.ca.c_str());
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_TIMEOUT, 60L);
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, WriteBody);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &result.body);
  curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, WriteHeader);
  curl_easy_setopt(c, CURLOPT_HEADERDATA, &result.headers);
  const std::string source = options.source_ip.empty() ? "" : "host!" + options.source_ip;
  if (!source.empty()) curl_easy_setopt(c, CURLOPT_INTERFACE, source.c_str());
  const CURLcode code = curl_easy_perform(c);
  curl_slist_free_all(headers);
  if (code != CURLE_OK) {
    throw std::runtime_error(method + " " + path + " failed: " + curl_easy_strerror(code));
  }
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &result.status);
  Json::CharReaderBuilder builder;
  std::string errors;
  std::unique_ptr<Json::CharReader> reader(builder.newCharReader());
  if (!reader->parse(result.body.data(), result.body.data() + result.body.size(), &result.json,
                     &errors)) {
    result.json = Json::Value();
  }
  return result;
}

HttpResult Get(const std::string& path, const RequestOptions& options) {
  return Send("GET", path, "", options);
}

HttpResult PostJson(const std::string& path, const Json::Value& body,
                    const RequestOptions& options) {
  Json::StreamWriterBuilder writer;
  writer["indentation"] = "";
  return Send("POST", path, Json::writeString(writer, body), options);
}

std::string AdminHeader() { return "X-Admin-Token: " + TestEnv::Get().admin_token; }
std::string ViewerHeader() { return "X-Admin-Token: " + TestEnv::Get().viewer_token; }

RequestOptions AsAdmin() {
  RequestOptions options;
  options.headers.push_back(AdminHeader());
  return options;
}

RequestOptions AsViewer() {
  RequestOptions options;
  options.headers.push_back(ViewerHeader());
  return options;
}

std::string NextIp() {
  // Random second and third octets keep consecutive test processes (each
  // ctest entry is one) off each other's rate-limit windows.
  static std::atomic<int> counter{0};
  static const std::array<int, 2> base = [] {
    std::random_device rd;
    return std::array<int, 2>{static_cast<int>(10 + rd() % 240), static_cast<int>(rd() % 250)};
  }();
  const int n = counter.fetch_add(1);
  return "127." + std::to_string(base[0]) + "." + std::to_string((base[1] + n / 250) % 250 + 1) +
         "." + std::to_string(n % 250 + 2);
}

std::string UniqueId(const std::string& prefix) {
  static std::atomic<int> counter{0};
  return prefix + "-" + RunId() + "-" + std::to_string(counter.fetch_add(1));
}

std::string UniqueAddress() {
  static std::atomic<unsigned> counter{0};
  char buf[64];
  std::snprintf(buf, sizeof buf, "0x%s%032x", RunId().c_str(), counter.fetch_add(1) + 1);
  return buf;
}

void RunParallel(int n, int threads, const std::function<void(int)>& fn) {
  std::atomic<int> next{0};
  std::vector<std::thread> pool;
  std::mutex error_mutex;
  std::string first_error;
  for (int t = 0; t < threads; ++t) {
    pool.emplace_back([&] {
      for (int i = next.fetch_add(1); i < n; i = next.fetch_add(1)) {
        try {
          fn(i);
        } catch (const std::exception& e) {
          std::lock_guard<std::mutex> lock(error_mutex);
          if (first_error.empty()) first_error = e.what();
        }
      }
    });
  }
  for (std::thread& t : pool) t.join();
  if (!first_error.empty()) throw std::runtime_error(first_error);
}

std::vector<Json::Value> ReadAuditLines(const std::string& file_name) {
  std::ifstream in(TestEnv::Get().data_dir + "/audit/" + file_name);
  std::vector<Json::Value> out;
  std::string line;
  Json::CharReaderBuilder builder;
  std::unique_ptr<Json::CharReader> reader(builder.newCharReader());
  while (std::getline(in, line)) {
    Json::Value value;
    std::string errors;
    if (!reader->parse(line.data(), line.data() + line.size(), &value, &errors)) {
      throw std::runtime_error("audit line is not JSON: " + line);
    }
    out.push_back(value);
  }
  return out;
}

std::string QueryDatabase(const std::string& sql) {
  const TestEnv& env = TestEnv::Get();
  char path[] = "/tmp/payments-query-XXXXXX";
  const int fd = mkstemp(path);
  if (fd < 0) throw std::runtime_error("mkstemp failed");
  const std::string sql_file = path;
  {
    std::ofstream out(sql_file);
    out << sql << ";\n";
  }
  ::close(fd);
  const std::string command = "mariadb --no-defaults -uroot -N -B --socket='" + env.db_socket +
                              "' payments < '" + sql_file + "' 2>&1";
  std::string output;
  FILE* pipe = ::popen(command.c_str(), "r");
  if (pipe == nullptr) throw std::runtime_error("popen failed");
  std::array<char, 4096> buf{};
  size_t n = 0;
  while ((n = std::fread(buf.data(), 1, buf.size(), pipe)) > 0) output.append(buf.data(), n);
  const int status = ::pclose(pipe);
  ::unlink(sql_file.c_str());
  if (status != 0) throw std::runtime_error("mariadb query failed: " + output);
  return output;
}

}  // namespace payments::testing
