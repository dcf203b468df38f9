// A SQLite VFS that writes each transaction's write-ahead-log frames with one system call.
#ifndef GAIT_CWALWRITES_H
#define GAIT_CWALWRITES_H

/// The name the VFS is registered under.
#define GAIT_WAL_VFS_NAME "gait-wal"

/// Registers the VFS over the process's default one (idempotent) and, when `makeDefault` is
/// nonzero, makes it the default for connections opened afterwards. Returns a SQLite result code.
int gait_wal_vfs_register(int makeDefault);

/// A file-control opcode (`sqlite3_file_control(db, "main", GAIT_FCNTL_LOG_WRITES, counts)`)
/// that fills `long long counts[2]` with the writes SQLite asked for on the connection's log and
/// the writes that reached the underlying VFS, since the log was opened.
#define GAIT_FCNTL_LOG_WRITES 0x47414954

#endif
