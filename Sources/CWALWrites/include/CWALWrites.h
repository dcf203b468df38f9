// A SQLite VFS that writes each transaction's write-ahead-log frames with one system call.
#ifndef GAIT_CWALWRITES_H
#define GAIT_CWALWRITES_H

/// The name the VFS is registered under.
#define GAIT_WAL_VFS_NAME "gait-wal"

/// Registers the VFS over the process's default one (idempotent) and, when `makeDefault` is
/// nonzero, makes it the default for connections opened afterwards. Returns a SQLite result code.
int gait_wal_vfs_register(int makeDefault);

/// Registers the same VFS under `name` over the VFS named `underlyingName` (NULL: the current
/// default), once per name; for tests that put a fault-injecting VFS underneath.
int gait_wal_vfs_register_over(const char *name, const char *underlyingName, int makeDefault);

/// A file-control opcode (`sqlite3_file_control(db, "main", GAIT_FCNTL_LOG_WRITES, counts)`)
/// that fills `long long counts[3]`, for the connection's log since it was opened: the writes
/// SQLite asked for, the writes that reached the underlying VFS, and how many of those the
/// shared-memory barrier had to make (none, with the SQLite versions Gait was tested with).
#define GAIT_FCNTL_LOG_WRITES 0x47414954

#endif
