#pragma once

#include <cstdint>
#include <string>
#include <string_view>

struct sqlite3;
struct sqlite3_stmt;

namespace stitch::store::sqlite {

// Thin RAII over the SQLite3 C API: what the store needs, nothing more. Return codes are
// SQLite's (SQLITE_OK, SQLITE_ROW, SQLITE_DONE, ...); nothing here throws.
// Threading: a connection and its statements belong to one thread at a time.

class Statement {
public:
  Statement() = default;
  ~Statement();
  Statement(Statement&& other) noexcept : stmt_(other.stmt_) { other.stmt_ = nullptr; }
  Statement& operator=(Statement&& other) noexcept;
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  // Prepares `sql` on `db` (persistent: the statement is reused many times).
  int prepare(sqlite3* db, std::string_view sql);
  bool valid() const noexcept { return stmt_ != nullptr; }

  // Parameters are 1-based, as in SQLite. Text and blobs are not copied: keep the bytes alive
  // until the statement is reset.
  Statement& bind(int index, std::int64_t value);
  Statement& bindText(int index, std::string_view text);
  Statement& bindBlob(int index, std::string_view bytes);
  Statement& bindNull(int index);

  int step();
  // Resets the statement and clears its bindings, ready for the next use.
  void reset();

  std::int64_t columnInt(int column) const;
  double columnDouble(int column) const;
  std::string_view columnText(int column) const;
  std::string_view columnBlob(int column) const;
  bool columnIsNull(int column) const;

private:
  sqlite3_stmt* stmt_ = nullptr;
};

// Resets a statement when the scope ends, whatever path leaves it.
class ResetGuard {
public:
  explicit ResetGuard(Statement& statement) noexcept : statement_(statement) {}
  ~ResetGuard() { statement_.reset(); }
  ResetGuard(const ResetGuard&) = delete;
  ResetGuard& operator=(const ResetGuard&) = delete;

private:
  Statement& statement_;
};

class Database {
public:
  Database() = default;
  ~Database();
  Database(Database&& other) noexcept : db_(other.db_) { other.db_ = nullptr; }
  Database& operator=(Database&&) = delete;
  Database(const Database&) = delete;

  // Opens (read-write, creating it) or (read-only) a database file.
  int open(const std::string& path, bool read_only);
  sqlite3* get() const noexcept { return db_; }

  // Runs one or more statements that return no rows.
  int exec(const char* sql);
  // The first column of the first row of `sql` as an integer; `fallback` when there is none.
  std::int64_t queryInt(const char* sql, std::int64_t fallback = 0);
  std::string errorMessage() const;
  std::int64_t lastInsertRowid() const;
  int changes() const;

private:
  sqlite3* db_ = nullptr;
};

}  // namespace stitch::store::sqlite
