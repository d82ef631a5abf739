#include "core/store/sqlite.h"

#include <sqlite3.h>

namespace stitch::store::sqlite {

Statement::~Statement() {
  sqlite3_finalize(stmt_);
}

Statement& Statement::operator=(Statement&& other) noexcept {
  if (this != &other) {
    sqlite3_finalize(stmt_);
    stmt_ = other.stmt_;
    other.stmt_ = nullptr;
  }
  return *this;
}

int Statement::prepare(sqlite3* db, std::string_view sql) {
  sqlite3_finalize(stmt_);
  stmt_ = nullptr;
  return sqlite3_prepare_v3(db, sql.data(), static_cast<int>(sql.size()), SQLITE_PREPARE_PERSISTENT,
                            &stmt_, nullptr);
}

Statement& Statement::bind(int index, std::int64_t value) {
  sqlite3_bind_int64(stmt_, index, value);
  return *this;
}

Statement& Statement::bindText(int index, std::string_view text) {
  // SQLITE_STATIC: every caller keeps the bytes alive until the statement is stepped and reset.
  sqlite3_bind_text(stmt_, index, text.data(), static_cast<int>(text.size()), SQLITE_STATIC);
  return *this;
}

Statement& Statement::bindBlob(int index, std::string_view bytes) {
  sqlite3_bind_blob(stmt_, index, bytes.data(), static_cast<int>(bytes.size()), SQLITE_STATIC);
  return *this;
}

Statement& Statement::bindNull(int index) {
  sqlite3_bind_null(stmt_, index);
  return *this;
}

int Statement::step() {
  return sqlite3_step(stmt_);
}

void Statement::reset() {
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
}

std::int64_t Statement::columnInt(int column) const {
  return sqlite3_column_int64(stmt_, column);
}

double Statement::columnDouble(int column) const {
  return sqlite3_column_double(stmt_, column);
}

std::string_view Statement::columnText(int column) const {
  const auto* text = sqlite3_column_text(stmt_, column);
  const int size = sqlite3_column_bytes(stmt_, column);
  if (text == nullptr) {
    return {};
  }
  return {reinterpret_cast<const char*>(text), static_cast<std::size_t>(size)};
}

std::string_view Statement::columnBlob(int column) const {
  const void* blob = sqlite3_column_blob(stmt_, column);
  const int size = sqlite3_column_bytes(stmt_, column);
  if (blob == nullptr) {
    return {};
  }
  return {static_cast<const char*>(blob), static_cast<std::size_t>(size)};
}

bool Statement::columnIsNull(int column) const {
  return sqlite3_column_type(stmt_, column) == SQLITE_NULL;
}

Database::~Database() {
  // Statements are finalized by their owners first (they are declared after the Database).
  sqlite3_close_v2(db_);
}

int Database::open(const std::string& path, bool read_only) {
  const int flags =
      (read_only ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE) |
      SQLITE_OPEN_NOMUTEX;
  const int rc = sqlite3_open_v2(path.c_str(), &db_, flags, nullptr);
  if (rc == SQLITE_OK) {
    sqlite3_extended_result_codes(db_, 1);
  }
  return rc;
}

int Database::exec(const char* sql) {
  return sqlite3_exec(db_, sql, nullptr, nullptr, nullptr);
}

std::int64_t Database::queryInt(const char* sql, std::int64_t fallback) {
  Statement statement;
  if (statement.prepare(db_, sql) != SQLITE_OK) {
    return fallback;
  }
  if (statement.step() != SQLITE_ROW) {
    return fallback;
  }
  return statement.columnInt(0);
}

std::string Database::errorMessage() const {
  return db_ == nullptr ? std::string("out of memory") : std::string(sqlite3_errmsg(db_));
}

std::int64_t Database::lastInsertRowid() const {
  return sqlite3_last_insert_rowid(db_);
}

int Database::changes() const {
  return sqlite3_changes(db_);
}

}  // namespace stitch::store::sqlite
