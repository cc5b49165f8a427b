#ifndef SERVICES_APP_MONGO_STORAGE_H_
#define SERVICES_APP_MONGO_STORAGE_H_

#include <memory>
#include <string>

#include "app/storage.h"

typedef struct _mongoc_client_pool_t mongoc_client_pool_t;

namespace loadgate::services::app {

// MongoDB through libmongoc. A client pool of `pool_size` clients backs the
// connections (a mongoc_client_t serves one thread at a time). Session
// events are written with {w: "majority", j: true}, so an acknowledged event
// is on disk on a majority of the replica set.
class MongoStorage : public Storage {
 public:
  // Throws StorageError for a URI libmongoc rejects.
  MongoStorage(const std::string& uri, int pool_size);
  ~MongoStorage() override;
  std::string backend() const override { return "mongodb"; }

 protected:
  SeedReport PrepareOrThrow(const SeedOptions& options) override;
  std::unique_ptr<StorageConnection> ConnectOrThrow() override;

 private:
  mongoc_client_pool_t* pool_ = nullptr;
  std::string database_;
};

}  // namespace loadgate::services::app

#endif  // SERVICES_APP_MONGO_STORAGE_H_
