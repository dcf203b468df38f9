// A SQLite VFS for tests that makes writes to write-ahead logs fail on demand.
#ifndef GAIT_CFAULTVFS_H
#define GAIT_CFAULTVFS_H

/// The name the VFS is registered under.
#define FAULT_VFS_NAME "gait-test-fault"

/// What fails (see `fault_vfs_fail`).
enum {
    FAULT_NONE = 0,
    /// Every write to a log.
    FAULT_EVERY_LOG_WRITE = 1,
    /// A log write of exactly one frame header (24 bytes) that marks a commit.
    FAULT_COMMIT_HEADER_WRITES = 2,
    /// The next log write (disk full), once; then nothing.
    FAULT_NEXT_LOG_WRITE = 3,
};

/// Registers the VFS over SQLite's unix VFS, once; returns a SQLite result code.
int fault_vfs_register(void);

/// Sets what fails from now on, for every file opened through the VFS.
void fault_vfs_fail(int mode);

/// Writes failed so far.
long long fault_vfs_failures(void);

#endif
