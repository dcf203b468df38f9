// SQLite writes a write-ahead-log frame as two writes (its 24-byte header, then the page), so a
// transaction of n pages costs 2n system calls, each paying the kernel's fixed cost of a
// buffered write. This VFS wraps the default one and, for log files only, gathers consecutive
// writes in a buffer of the file's own and hands them to the underlying VFS as one write:
//
//  * at the end of a commit frame (a header whose "database size after commit" field is set,
//    then its page), inside that write call, so a failure fails the commit like any write;
//  * before any other operation on the log file (read, size, truncate, sync, lock, control,
//    close) and before a write that does not continue the buffer, so the file never looks
//    different to SQLite than if every write had gone through;
//  * before any shared-memory operation on the database file the log belongs to: SQLite
//    publishes new frames to other connections through the wal-index (shared memory) only
//    after writing them, so whatever SQLite version writes frames in whatever pattern, no
//    reader can see a frame that is still in the buffer. An error there, where SQLite cannot be
//    told, is kept and returned by the next call on either file.
//
// Database and journal files pass through untouched.
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include <pthread.h>
#include "CWALWrites.h"

typedef struct GaitFile GaitFile;
struct GaitFile {
    sqlite3_file base;          // must be first: SQLite sees this
    sqlite3_file *real;         // the underlying VFS's file, allocated right after this struct
    int isLog;                  // a write-ahead log
    GaitFile *log;              // for a database file: its open log, if any
    GaitFile *database;         // for a log: the database file it belongs to, if known
    unsigned char *buffer;      // pending log bytes, contiguous from `start`
    int used;
    int capacity;
    sqlite3_int64 start;
    int commitPageNext;         // the last write was a commit frame's header
    int keptError;              // a flush error no call could return yet
    long long requestedWrites;  // for a log: writes SQLite asked for
    long long performedWrites;  // for a log: writes handed to the underlying VFS
};

static sqlite3_vfs *underlying;
static sqlite3_vfs gaitVFS;
static sqlite3_io_methods gaitMethods[3];
static pthread_once_t registration = PTHREAD_ONCE_INIT;
static int registrationResult = SQLITE_OK;

/// The most bytes handed down in one write: the unix VFS takes a write's length modulo 2^17
/// (its pages are at most 64 KiB), so longer writes go down as several.
enum { maximumBuffer = 1 << 16 };

static int flush(GaitFile *file) {
    if (file->used == 0) return SQLITE_OK;
    file->performedWrites += 1;
    int result = file->real->pMethods->xWrite(file->real, file->buffer, file->used, file->start);
    file->used = 0;
    file->commitPageNext = 0;
    return result;
}

/// Flushes and returns the first error, including one kept from a call that could not return it.
static int settle(GaitFile *file) {
    int result = flush(file);
    if (file->keptError != SQLITE_OK) {
        if (result == SQLITE_OK) result = file->keptError;
        file->keptError = SQLITE_OK;
    }
    return result;
}

/// Before an operation on a database file: its log's pending frames are written first.
static int settleLogOf(GaitFile *database) {
    return database->log ? settle(database->log) : SQLITE_OK;
}

static int gaitClose(sqlite3_file *handle) {
    GaitFile *file = (GaitFile *)handle;
    int result = file->isLog ? settle(file) : settleLogOf(file);
    if (file->log) file->log->database = NULL;
    if (file->database) file->database->log = NULL;
    int closed = file->real->pMethods->xClose(file->real);
    free(file->buffer);
    file->buffer = NULL;
    return result != SQLITE_OK ? result : closed;
}

static int gaitRead(sqlite3_file *handle, void *data, int amount, sqlite3_int64 offset) {
    GaitFile *file = (GaitFile *)handle;
    int result = file->isLog ? settle(file) : settleLogOf(file);
    if (result != SQLITE_OK) return result;
    return file->real->pMethods->xRead(file->real, data, amount, offset);
}

static int append(GaitFile *file, const void *data, int amount) {
    if (file->used + amount > file->capacity) {
        int capacity = file->capacity ? file->capacity : 64 * 1024;
        while (capacity < file->used + amount) capacity *= 2;
        unsigned char *grown = realloc(file->buffer, (size_t)capacity);
        if (!grown) return SQLITE_IOERR_NOMEM;
        file->buffer = grown;
        file->capacity = capacity;
    }
    memcpy(file->buffer + file->used, data, (size_t)amount);
    file->used += amount;
    return SQLITE_OK;
}

static int gaitWrite(sqlite3_file *handle, const void *data, int amount, sqlite3_int64 offset) {
    GaitFile *file = (GaitFile *)handle;
    if (!file->isLog) {
        int result = settleLogOf(file);
        if (result != SQLITE_OK) return result;
        return file->real->pMethods->xWrite(file->real, data, amount, offset);
    }
    file->requestedWrites += 1;
    int result = file->keptError;
    file->keptError = SQLITE_OK;
    if (result == SQLITE_OK && file->used > 0 &&
        (offset != file->start + file->used || file->used + amount > maximumBuffer)) {
        result = flush(file);
    }
    if (result != SQLITE_OK) {
        file->used = 0;
        file->commitPageNext = 0;
        return result;
    }
    if (amount > maximumBuffer) {
        file->performedWrites += 1;
        return file->real->pMethods->xWrite(file->real, data, amount, offset);
    }
    if (file->used == 0) file->start = offset;
    result = append(file, data, amount);
    if (result != SQLITE_OK) {
        file->used = 0;
        return result;
    }
    if (file->commitPageNext) return flush(file);
    // A frame header is 24 bytes: page number, then the database size after a commit (zero in
    // every other frame), both big-endian.
    const unsigned char *bytes = data;
    if (amount == 24 && (bytes[4] | bytes[5] | bytes[6] | bytes[7]) != 0) file->commitPageNext = 1;
    return SQLITE_OK;
}

static int gaitTruncate(sqlite3_file *handle, sqlite3_int64 size) {
    GaitFile *file = (GaitFile *)handle;
    int result = file->isLog ? settle(file) : settleLogOf(file);
    if (result != SQLITE_OK) return result;
    return file->real->pMethods->xTruncate(file->real, size);
}

static int gaitSync(sqlite3_file *handle, int flags) {
    GaitFile *file = (GaitFile *)handle;
    int result = file->isLog ? settle(file) : settleLogOf(file);
    if (result != SQLITE_OK) return result;
    return file->real->pMethods->xSync(file->real, flags);
}

static int gaitFileSize(sqlite3_file *handle, sqlite3_int64 *size) {
    GaitFile *file = (GaitFile *)handle;
    int result = file->isLog ? settle(file) : SQLITE_OK;
    if (result != SQLITE_OK) return result;
    return file->real->pMethods->xFileSize(file->real, size);
}

static int gaitLock(sqlite3_file *handle, int level) {
    GaitFile *file = (GaitFile *)handle;
    int result = file->isLog ? settle(file) : settleLogOf(file);
    if (result != SQLITE_OK) return result;
    return file->real->pMethods->xLock(file->real, level);
}

static int gaitUnlock(sqlite3_file *handle, int level) {
    GaitFile *file = (GaitFile *)handle;
    int result = file->isLog ? settle(file) : settleLogOf(file);
    if (result != SQLITE_OK) return result;
    return file->real->pMethods->xUnlock(file->real, level);
}

static int gaitCheckReservedLock(sqlite3_file *handle, int *reserved) {
    GaitFile *file = (GaitFile *)handle;
    return file->real->pMethods->xCheckReservedLock(file->real, reserved);
}

static int gaitFileControl(sqlite3_file *handle, int op, void *argument) {
    GaitFile *file = (GaitFile *)handle;
    if (op == GAIT_FCNTL_LOG_WRITES) {
        long long *counts = argument;
        counts[0] = file->log ? file->log->requestedWrites : 0;
        counts[1] = file->log ? file->log->performedWrites : 0;
        return SQLITE_OK;
    }
    int result = file->isLog ? settle(file) : settleLogOf(file);
    if (result != SQLITE_OK) return result;
    return file->real->pMethods->xFileControl(file->real, op, argument);
}

static int gaitSectorSize(sqlite3_file *handle) {
    GaitFile *file = (GaitFile *)handle;
    return file->real->pMethods->xSectorSize(file->real);
}

static int gaitDeviceCharacteristics(sqlite3_file *handle) {
    GaitFile *file = (GaitFile *)handle;
    return file->real->pMethods->xDeviceCharacteristics(file->real);
}

// Shared memory (the wal-index) belongs to the database file. Writing the log's pending frames
// before any of it is what keeps frames ahead of their publication.

static int gaitShmMap(sqlite3_file *handle, int page, int pageSize, int extend, void volatile **memory) {
    GaitFile *file = (GaitFile *)handle;
    int result = settleLogOf(file);
    if (result != SQLITE_OK) return result;
    return file->real->pMethods->xShmMap(file->real, page, pageSize, extend, memory);
}

static int gaitShmLock(sqlite3_file *handle, int offset, int count, int flags) {
    GaitFile *file = (GaitFile *)handle;
    int result = settleLogOf(file);
    if (result != SQLITE_OK) return result;
    return file->real->pMethods->xShmLock(file->real, offset, count, flags);
}

static void gaitShmBarrier(sqlite3_file *handle) {
    GaitFile *file = (GaitFile *)handle;
    if (file->log) {
        int result = flush(file->log);
        if (result != SQLITE_OK && file->log->keptError == SQLITE_OK) file->log->keptError = result;
    }
    file->real->pMethods->xShmBarrier(file->real);
}

static int gaitShmUnmap(sqlite3_file *handle, int deleteFlag) {
    GaitFile *file = (GaitFile *)handle;
    int result = settleLogOf(file);
    int unmapped = file->real->pMethods->xShmUnmap(file->real, deleteFlag);
    return result != SQLITE_OK ? result : unmapped;
}

static int gaitFetch(sqlite3_file *handle, sqlite3_int64 offset, int amount, void **pointer) {
    GaitFile *file = (GaitFile *)handle;
    int result = file->isLog ? settle(file) : SQLITE_OK;
    if (result != SQLITE_OK) return result;
    return file->real->pMethods->xFetch(file->real, offset, amount, pointer);
}

static int gaitUnfetch(sqlite3_file *handle, sqlite3_int64 offset, void *pointer) {
    GaitFile *file = (GaitFile *)handle;
    return file->real->pMethods->xUnfetch(file->real, offset, pointer);
}

static int gaitOpen(sqlite3_vfs *vfs, sqlite3_filename name, sqlite3_file *handle, int flags, int *outFlags) {
    (void)vfs;
    GaitFile *file = (GaitFile *)handle;
    memset(file, 0, sizeof(GaitFile));
    file->real = (sqlite3_file *)(file + 1);
    int result = underlying->xOpen(underlying, name, file->real, flags, outFlags);
    if (file->real->pMethods == NULL) {
        file->base.pMethods = NULL;
        return result;
    }
    int version = file->real->pMethods->iVersion;
    if (version < 1) version = 1;
    if (version > 3) version = 3;
    file->base.pMethods = &gaitMethods[version - 1];
    if (result == SQLITE_OK && (flags & SQLITE_OPEN_WAL) && name) {
        file->isLog = 1;
        // The database file object of this log, as the pager opened it (through this VFS).
        sqlite3_file *database = sqlite3_database_file_object(name);
        if (database && database->pMethods >= &gaitMethods[0] && database->pMethods <= &gaitMethods[2]) {
            file->database = (GaitFile *)database;
            file->database->log = file;
        }
    }
    return result;
}

static int gaitDelete(sqlite3_vfs *vfs, const char *name, int syncDirectory) {
    (void)vfs;
    return underlying->xDelete(underlying, name, syncDirectory);
}

static int gaitAccess(sqlite3_vfs *vfs, const char *name, int flags, int *result) {
    (void)vfs;
    return underlying->xAccess(underlying, name, flags, result);
}

static int gaitFullPathname(sqlite3_vfs *vfs, const char *name, int size, char *output) {
    (void)vfs;
    return underlying->xFullPathname(underlying, name, size, output);
}

static void *gaitDlOpen(sqlite3_vfs *vfs, const char *name) {
    (void)vfs;
    return underlying->xDlOpen(underlying, name);
}

static void gaitDlError(sqlite3_vfs *vfs, int size, char *message) {
    (void)vfs;
    underlying->xDlError(underlying, size, message);
}

static void (*gaitDlSym(sqlite3_vfs *vfs, void *library, const char *symbol))(void) {
    (void)vfs;
    return underlying->xDlSym(underlying, library, symbol);
}

static void gaitDlClose(sqlite3_vfs *vfs, void *library) {
    (void)vfs;
    underlying->xDlClose(underlying, library);
}

static int gaitRandomness(sqlite3_vfs *vfs, int size, char *output) {
    (void)vfs;
    return underlying->xRandomness(underlying, size, output);
}

static int gaitSleep(sqlite3_vfs *vfs, int microseconds) {
    (void)vfs;
    return underlying->xSleep(underlying, microseconds);
}

static int gaitCurrentTime(sqlite3_vfs *vfs, double *now) {
    (void)vfs;
    return underlying->xCurrentTime(underlying, now);
}

static int gaitGetLastError(sqlite3_vfs *vfs, int size, char *message) {
    (void)vfs;
    return underlying->xGetLastError ? underlying->xGetLastError(underlying, size, message) : 0;
}

static int gaitCurrentTimeInt64(sqlite3_vfs *vfs, sqlite3_int64 *now) {
    (void)vfs;
    return underlying->xCurrentTimeInt64(underlying, now);
}

static void registerOnce(void) {
    registrationResult = sqlite3_initialize();
    if (registrationResult != SQLITE_OK) return;
    underlying = sqlite3_vfs_find(NULL);
    if (underlying == NULL) {
        registrationResult = SQLITE_ERROR;
        return;
    }
    for (int version = 1; version <= 3; version++) {
        sqlite3_io_methods *methods = &gaitMethods[version - 1];
        memset(methods, 0, sizeof *methods);
        methods->iVersion = version;
        methods->xClose = gaitClose;
        methods->xRead = gaitRead;
        methods->xWrite = gaitWrite;
        methods->xTruncate = gaitTruncate;
        methods->xSync = gaitSync;
        methods->xFileSize = gaitFileSize;
        methods->xLock = gaitLock;
        methods->xUnlock = gaitUnlock;
        methods->xCheckReservedLock = gaitCheckReservedLock;
        methods->xFileControl = gaitFileControl;
        methods->xSectorSize = gaitSectorSize;
        methods->xDeviceCharacteristics = gaitDeviceCharacteristics;
        if (version >= 2) {
            methods->xShmMap = gaitShmMap;
            methods->xShmLock = gaitShmLock;
            methods->xShmBarrier = gaitShmBarrier;
            methods->xShmUnmap = gaitShmUnmap;
        }
        if (version >= 3) {
            methods->xFetch = gaitFetch;
            methods->xUnfetch = gaitUnfetch;
        }
    }
    memset(&gaitVFS, 0, sizeof gaitVFS);
    gaitVFS.iVersion = underlying->iVersion < 2 ? underlying->iVersion : 2;
    gaitVFS.szOsFile = (int)sizeof(GaitFile) + underlying->szOsFile;
    gaitVFS.mxPathname = underlying->mxPathname;
    gaitVFS.zName = GAIT_WAL_VFS_NAME;
    gaitVFS.xOpen = gaitOpen;
    gaitVFS.xDelete = gaitDelete;
    gaitVFS.xAccess = gaitAccess;
    gaitVFS.xFullPathname = gaitFullPathname;
    gaitVFS.xDlOpen = underlying->xDlOpen ? gaitDlOpen : NULL;
    gaitVFS.xDlError = underlying->xDlError ? gaitDlError : NULL;
    gaitVFS.xDlSym = underlying->xDlSym ? gaitDlSym : NULL;
    gaitVFS.xDlClose = underlying->xDlClose ? gaitDlClose : NULL;
    gaitVFS.xRandomness = gaitRandomness;
    gaitVFS.xSleep = gaitSleep;
    gaitVFS.xCurrentTime = gaitCurrentTime;
    gaitVFS.xGetLastError = gaitGetLastError;
    if (gaitVFS.iVersion >= 2) gaitVFS.xCurrentTimeInt64 = gaitCurrentTimeInt64;
    registrationResult = sqlite3_vfs_register(&gaitVFS, 0);
}

int gait_wal_vfs_register(int makeDefault) {
    pthread_once(&registration, registerOnce);
    if (registrationResult != SQLITE_OK || !makeDefault) return registrationResult;
    return sqlite3_vfs_register(&gaitVFS, 1);
}
