#ifndef SERVICES_APP_SQLITE_STORAGE_H_
#define SERVICES_APP_SQLITE_STORAGE_H_

#include <chrono>
#include <memory>
#include <string>

#include "app/storage.h"

namespace loadgate::services::app {

// SQLite in WAL mode with synchronous=FULL, so a committed (acknowledged)
// event survives a crash of the process or of the machine. Each connection
// is opened without SQLite's own mutex: the pool gives it to one thread at a
// time.
class SqliteStorage : public Storage {
 public:
  // `busy_timeout` is how long a writer waits for another writer's lock.
  explicit SqliteStorage(
      std::string path,
      std::chrono::milliseconds busy_timeout = std::chrono::milliseconds(5000));
  std::string backend() const override { return "sqlite"; }

 protected:
  SeedReport PrepareOrThrow(const SeedOptions& options) override;
  std::unique_ptr<StorageConnection> ConnectOrThrow() override;

 private:
  std::string path_;
  std::chrono::milliseconds busy_timeout_;
};

}  // namespace loadgate::services::app

#endif  // SERVICES_APP_SQLITE_STORAGE_H_
