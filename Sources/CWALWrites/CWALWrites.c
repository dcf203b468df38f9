// SQLite writes a write-ahead-log frame as two writes (its 24-byte header, then the page), so a
// transaction of n pages costs 2n system calls, each paying the kernel's fixed cost of a
// buffered write. This VFS wraps the default one and, for log files only, gathers consecutive
// writes in a buffer of the file's own and hands them to the underlying VFS as one write (at
// most 64 KiB: the unix VFS takes a write's length modulo 2^17):
//
//  * at the end of a commit frame (a header whose "database size after commit" field is set,
//    then its page), inside the page's write call, so a failure fails the commit like any write.
//    From then until the commit is published, writes go straight through: SQLite may rewrite
//    frame headers (checksums) or pad the log after the commit frame, and each of those writes
//    must fail where SQLite sees it;
//  * before any other operation on the log file (read, size, truncate, sync, control, close)
//    and before a write that does not continue the buffer, so the file never looks different
//    to SQLite than if every write had gone through.
//
// SQLite publishes new frames to other connections through the wal-index (shared memory), after
// a memory barrier between the two copies of its header. The barrier on the log's database file
// ends the commit: by then none of the commit's bytes is buffered. Should a future SQLite leave
// some there, the barrier writes them before the header can be read whole, and an error, which
// it cannot return, is returned by the next operation on the log instead; the count of such
// writes is kept for tests (`GAIT_FCNTL_LOG_WRITES`). (Under `locking_mode = EXCLUSIVE` a read's
// barrier may also meet the unwritten frames of a rolled-back transaction.)
//
// A buffer whose write failed stays (reads see it laid over the file) until it is written or
// its transaction is over: at the release of the wal-index writer lock, or of the database
// file's lock under exclusive locking, what is buffered belongs to no commit and is written or
// dropped.
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
    unsigned char *buffer;      // pending log bytes, contiguous from `start` (maximumBuffer long)
    int used;
    sqlite3_int64 start;
    int commitPageNext;         // the last write was a commit frame's header
    int writeThrough;           // a commit frame was written: no buffering until it is published
    int keptError;              // a write error no call could return yet
    long long requestedWrites;  // for a log: writes SQLite asked for
    long long performedWrites;  // for a log: writes handed to the underlying VFS
    long long barrierWrites;    // for a log: buffers written from the shared-memory barrier
};

static sqlite3_io_methods gaitMethods[3];
static pthread_once_t methodsOnce = PTHREAD_ONCE_INIT;
static pthread_mutex_t registrationLock = PTHREAD_MUTEX_INITIALIZER;

/// The VFS a Gait VFS wraps (each registered instance keeps its own in `pAppData`).
static sqlite3_vfs *under(sqlite3_vfs *vfs) { return (sqlite3_vfs *)vfs->pAppData; }

/// The most bytes buffered, and so handed down, in one write.
enum { maximumBuffer = 1 << 16 };

static int isGaitFile(const sqlite3_file *file) {
    return file->pMethods == &gaitMethods[0] || file->pMethods == &gaitMethods[1] || file->pMethods == &gaitMethods[2];
}

/// Writes the buffer. On failure the bytes stay: SQLite was told they were written, so the next
/// operation on the log writes them or fails in turn (a failed read inside a transaction may
/// only end its statement, and the transaction could otherwise commit frames never written).
/// Where the bytes can belong to no commit any more, callers drop them (`used = 0`).
static int flush(GaitFile *file) {
    if (file->used == 0) return SQLITE_OK;
    file->performedWrites += 1;
    int result = file->real->pMethods->xWrite(file->real, file->buffer, file->used, file->start);
    if (result == SQLITE_OK) file->used = 0;
    return result;
}

/// Before an operation on a log: the pending bytes are written first, and an error kept from a
/// call that could not return it is returned now.
static int settle(GaitFile *file) {
    int result = flush(file);
    if (file->keptError != SQLITE_OK) {
        if (result == SQLITE_OK) result = file->keptError;
        file->keptError = SQLITE_OK;
    }
    return result;
}

/// The underlying VFS's file of one of ours.
#define REAL(handle) (((GaitFile *)(handle))->real)

/// At the end of a log's transaction: what is still buffered belongs to no commit (a commit's
/// bytes are written with its commit frame), so it is written, or dropped with the error its
/// write met, which concerns no later transaction.
static void endTransaction(GaitFile *log) {
    if (flush(log) != SQLITE_OK) log->used = 0;
    log->keptError = SQLITE_OK;
    log->writeThrough = 0;
}

/// Before passing an operation on a log down: `settle`. Database files need nothing first.
static int settleIfLog(sqlite3_file *handle) {
    GaitFile *file = (GaitFile *)handle;
    return file->isLog ? settle(file) : SQLITE_OK;
}

static int gaitClose(sqlite3_file *handle) {
    GaitFile *file = (GaitFile *)handle;
    // Bytes still buffered at close belong to no commit (a commit's are written before it is
    // published), so an error writing them loses nothing SQLite relies on.
    int result = file->isLog ? settle(file) : SQLITE_OK;
    file->used = 0;
    if (file->log) file->log->database = NULL;
    if (file->database) file->database->log = NULL;
    int closed = file->real->pMethods->xClose(file->real);
    free(file->buffer);
    file->buffer = NULL;
    return result != SQLITE_OK ? result : closed;
}

/// Reads a log whose buffer could not be written as if it had been: the file's bytes with the
/// buffer's laid over them.
static int readOverBuffer(GaitFile *file, void *data, int amount, sqlite3_int64 offset) {
    int result = file->real->pMethods->xRead(file->real, data, amount, offset);
    if (result != SQLITE_OK && result != SQLITE_IOERR_SHORT_READ) return result;
    sqlite3_int64 end = file->start + file->used;
    sqlite3_int64 from = offset > file->start ? offset : file->start;
    sqlite3_int64 to = offset + amount < end ? offset + amount : end;
    if (from < to) memcpy((unsigned char *)data + (from - offset), file->buffer + (from - file->start), (size_t)(to - from));
    // Read short of the file's end, the read is whole when the buffer holds the rest.
    return result == SQLITE_IOERR_SHORT_READ && to < offset + amount ? result : SQLITE_OK;
}

static int gaitRead(sqlite3_file *handle, void *data, int amount, sqlite3_int64 offset) {
    GaitFile *file = (GaitFile *)handle;
    if (file->isLog && flush(file) != SQLITE_OK) {
        // Reading needs no free space: a full disk fails the next write or the commit instead,
        // which ends the transaction as a failed write does (a failed read might end only a
        // statement, and a connection that cannot write could not read either).
        return readOverBuffer(file, data, amount, offset);
    }
    int result = settleIfLog(handle);
    return result != SQLITE_OK ? result : REAL(handle)->pMethods->xRead(REAL(handle), data, amount, offset);
}

/// Adds a write to the buffer; the caller has made room (`used + amount <= maximumBuffer`).
static int append(GaitFile *file, const void *data, int amount) {
    if (file->buffer == NULL) {
        file->buffer = malloc(maximumBuffer);
        if (file->buffer == NULL) return SQLITE_IOERR_NOMEM;
    }
    memcpy(file->buffer + file->used, data, (size_t)amount);
    file->used += amount;
    return SQLITE_OK;
}

static int gaitWrite(sqlite3_file *handle, const void *data, int amount, sqlite3_int64 offset) {
    GaitFile *file = (GaitFile *)handle;
    if (!file->isLog) return file->real->pMethods->xWrite(file->real, data, amount, offset);
    file->requestedWrites += 1;
    int commitPage = file->commitPageNext;
    file->commitPageNext = 0;
    int result = SQLITE_OK;
    if (file->used > 0 && (file->writeThrough || offset != file->start + file->used || file->used + amount > maximumBuffer)) {
        result = flush(file);
    }
    if (result == SQLITE_OK && file->keptError != SQLITE_OK) result = file->keptError;
    file->keptError = SQLITE_OK;
    if (result != SQLITE_OK) {
        file->used = 0;
        return result;
    }
    if (file->writeThrough || amount > maximumBuffer) {
        file->performedWrites += 1;
        result = file->real->pMethods->xWrite(file->real, data, amount, offset);
        if (commitPage) file->writeThrough = 1;
        return result;
    }
    if (file->used == 0) file->start = offset;
    result = append(file, data, amount);
    if (result != SQLITE_OK) {
        file->used = 0;
        return result;
    }
    if (commitPage) {
        file->writeThrough = 1;
        result = flush(file);
        // A failed commit write fails the transaction: its frames are never to be written.
        if (result != SQLITE_OK) file->used = 0;
        return result;
    }
    // A frame header is 24 bytes: page number, then the database size after a commit (zero in
    // every other frame), both big-endian.
    const unsigned char *bytes = data;
    if (amount == 24 && (bytes[4] | bytes[5] | bytes[6] | bytes[7]) != 0) file->commitPageNext = 1;
    return SQLITE_OK;
}

static int gaitTruncate(sqlite3_file *handle, sqlite3_int64 size) {
    int result = settleIfLog(handle);
    return result != SQLITE_OK ? result : REAL(handle)->pMethods->xTruncate(REAL(handle), size);
}

static int gaitSync(sqlite3_file *handle, int flags) {
    int result = settleIfLog(handle);
    return result != SQLITE_OK ? result : REAL(handle)->pMethods->xSync(REAL(handle), flags);
}

static int gaitFileSize(sqlite3_file *handle, sqlite3_int64 *size) {
    int result = settleIfLog(handle);
    return result != SQLITE_OK ? result : REAL(handle)->pMethods->xFileSize(REAL(handle), size);
}

static int gaitLock(sqlite3_file *handle, int level) {
    int result = settleIfLog(handle);
    return result != SQLITE_OK ? result : REAL(handle)->pMethods->xLock(REAL(handle), level);
}

static int gaitUnlock(sqlite3_file *handle, int level) {
    GaitFile *log = ((GaitFile *)handle)->log;
    if (log) {
        // The database file's lock goes down: under `locking_mode = EXCLUSIVE` SQLite takes no
        // wal-index writer lock, and this is where other connections may start writing the
        // log. What is buffered belongs to no commit (see `gaitShmLock`).
        endTransaction(log);
    }
    // Always unlocks: SQLite does not look at an unlock's result.
    int result = settleIfLog(handle);
    int unlocked = REAL(handle)->pMethods->xUnlock(REAL(handle), level);
    return result != SQLITE_OK ? result : unlocked;
}

static int gaitCheckReservedLock(sqlite3_file *handle, int *reserved) {
    return REAL(handle)->pMethods->xCheckReservedLock(REAL(handle), reserved);
}

static int gaitFileControl(sqlite3_file *handle, int op, void *argument) {
    GaitFile *file = (GaitFile *)handle;
    if (op == GAIT_FCNTL_LOG_WRITES) {
        long long *counts = argument;
        counts[0] = file->log ? file->log->requestedWrites : 0;
        counts[1] = file->log ? file->log->performedWrites : 0;
        counts[2] = file->log ? file->log->barrierWrites : 0;
        return SQLITE_OK;
    }
    // The commit is over (with a heap-memory wal-index, under `locking_mode = EXCLUSIVE`, SQLite
    // calls no barrier to say so).
    if (op == SQLITE_FCNTL_COMMIT_PHASETWO && file->log) file->log->writeThrough = 0;
    int result = settleIfLog(handle);
    if (result != SQLITE_OK) return result;
    return file->real->pMethods->xFileControl(file->real, op, argument);
}

static int gaitSectorSize(sqlite3_file *handle) {
    return REAL(handle)->pMethods->xSectorSize(REAL(handle));
}

static int gaitDeviceCharacteristics(sqlite3_file *handle) {
    return REAL(handle)->pMethods->xDeviceCharacteristics(REAL(handle));
}

// Shared memory (the wal-index) belongs to the database file.

static int gaitShmMap(sqlite3_file *handle, int page, int pageSize, int extend, void volatile **memory) {
    return REAL(handle)->pMethods->xShmMap(REAL(handle), page, pageSize, extend, memory);
}

/// The wal-index lock a writer holds for its whole transaction (the first of SQLite's locks).
enum { writerLock = 0 };

static int gaitShmLock(sqlite3_file *handle, int offset, int count, int flags) {
    GaitFile *log = ((GaitFile *)handle)->log;
    if (log && offset == writerLock && (flags & SQLITE_SHM_UNLOCK) && (flags & SQLITE_SHM_EXCLUSIVE)) {
        // The transaction is over. What is still buffered are frames of one rolled back after
        // spilling: written now, while the lock is held, as SQLite would have written them;
        // kept for later, they would land on frames the next writer commits at the same offsets.
        endTransaction(log);
    }
    return REAL(handle)->pMethods->xShmLock(REAL(handle), offset, count, flags);
}

/// SQLite publishes a commit's frames by writing the wal-index header twice with a barrier
/// between: the commit's writes are over, and none may still be buffered.
static void gaitShmBarrier(sqlite3_file *handle) {
    GaitFile *file = (GaitFile *)handle;
    GaitFile *log = file->log;
    if (log) {
        if (log->used > 0) {
            log->barrierWrites += 1;
            int result = flush(log);
            if (result != SQLITE_OK && log->keptError == SQLITE_OK) log->keptError = result;
        }
        log->writeThrough = 0;
    }
    file->real->pMethods->xShmBarrier(file->real);
}

static int gaitShmUnmap(sqlite3_file *handle, int deleteFlag) {
    return REAL(handle)->pMethods->xShmUnmap(REAL(handle), deleteFlag);
}

static int gaitFetch(sqlite3_file *handle, sqlite3_int64 offset, int amount, void **pointer) {
    int result = settleIfLog(handle);
    return result != SQLITE_OK ? result : REAL(handle)->pMethods->xFetch(REAL(handle), offset, amount, pointer);
}

static int gaitUnfetch(sqlite3_file *handle, sqlite3_int64 offset, void *pointer) {
    return REAL(handle)->pMethods->xUnfetch(REAL(handle), offset, pointer);
}

static int gaitOpen(sqlite3_vfs *vfs, sqlite3_filename name, sqlite3_file *handle, int flags, int *outFlags) {
    sqlite3_vfs *underlying = under(vfs);
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
        if (database && isGaitFile(database)) {
            file->database = (GaitFile *)database;
            file->database->log = file;
        }
    }
    return result;
}

static int gaitDelete(sqlite3_vfs *vfs, const char *name, int syncDirectory) {
    sqlite3_vfs *underlying = under(vfs);
    return underlying->xDelete(underlying, name, syncDirectory);
}

static int gaitAccess(sqlite3_vfs *vfs, const char *name, int flags, int *result) {
    sqlite3_vfs *underlying = under(vfs);
    return underlying->xAccess(underlying, name, flags, result);
}

static int gaitFullPathname(sqlite3_vfs *vfs, const char *name, int size, char *output) {
    sqlite3_vfs *underlying = under(vfs);
    return underlying->xFullPathname(underlying, name, size, output);
}

static void *gaitDlOpen(sqlite3_vfs *vfs, const char *name) {
    sqlite3_vfs *underlying = under(vfs);
    return underlying->xDlOpen(underlying, name);
}

static void gaitDlError(sqlite3_vfs *vfs, int size, char *message) {
    sqlite3_vfs *underlying = under(vfs);
    underlying->xDlError(underlying, size, message);
}

static void (*gaitDlSym(sqlite3_vfs *vfs, void *library, const char *symbol))(void) {
    sqlite3_vfs *underlying = under(vfs);
    return underlying->xDlSym(underlying, library, symbol);
}

static void gaitDlClose(sqlite3_vfs *vfs, void *library) {
    sqlite3_vfs *underlying = under(vfs);
    underlying->xDlClose(underlying, library);
}

static int gaitRandomness(sqlite3_vfs *vfs, int size, char *output) {
    sqlite3_vfs *underlying = under(vfs);
    return underlying->xRandomness(underlying, size, output);
}

static int gaitSleep(sqlite3_vfs *vfs, int microseconds) {
    sqlite3_vfs *underlying = under(vfs);
    return underlying->xSleep(underlying, microseconds);
}

static int gaitCurrentTime(sqlite3_vfs *vfs, double *now) {
    sqlite3_vfs *underlying = under(vfs);
    return underlying->xCurrentTime(underlying, now);
}

static int gaitGetLastError(sqlite3_vfs *vfs, int size, char *message) {
    sqlite3_vfs *underlying = under(vfs);
    return underlying->xGetLastError ? underlying->xGetLastError(underlying, size, message) : 0;
}

static int gaitCurrentTimeInt64(sqlite3_vfs *vfs, sqlite3_int64 *now) {
    sqlite3_vfs *underlying = under(vfs);
    return underlying->xCurrentTimeInt64(underlying, now);
}

static void makeMethods(void) {
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
}

int gait_wal_vfs_register_over(const char *name, const char *underlyingName, int makeDefault) {
    int result = sqlite3_initialize();
    if (result != SQLITE_OK) return result;
    pthread_once(&methodsOnce, makeMethods);
    pthread_mutex_lock(&registrationLock);
    sqlite3_vfs *vfs = sqlite3_vfs_find(name);
    if (vfs == NULL) {
        sqlite3_vfs *underlying = sqlite3_vfs_find(underlyingName);
        // Registered once per name and kept for the process's life, as SQLite requires.
        vfs = underlying ? calloc(1, sizeof(sqlite3_vfs) + strlen(name) + 1) : NULL;
        if (vfs == NULL) {
            pthread_mutex_unlock(&registrationLock);
            return underlying ? SQLITE_NOMEM : SQLITE_ERROR;
        }
        char *storedName = (char *)(vfs + 1);
        strcpy(storedName, name);
        vfs->iVersion = underlying->iVersion < 2 ? underlying->iVersion : 2;
        vfs->szOsFile = (int)sizeof(GaitFile) + underlying->szOsFile;
        vfs->mxPathname = underlying->mxPathname;
        vfs->zName = storedName;
        vfs->pAppData = underlying;
        vfs->xOpen = gaitOpen;
        vfs->xDelete = gaitDelete;
        vfs->xAccess = gaitAccess;
        vfs->xFullPathname = gaitFullPathname;
        vfs->xDlOpen = underlying->xDlOpen ? gaitDlOpen : NULL;
        vfs->xDlError = underlying->xDlError ? gaitDlError : NULL;
        vfs->xDlSym = underlying->xDlSym ? gaitDlSym : NULL;
        vfs->xDlClose = underlying->xDlClose ? gaitDlClose : NULL;
        vfs->xRandomness = gaitRandomness;
        vfs->xSleep = gaitSleep;
        vfs->xCurrentTime = gaitCurrentTime;
        vfs->xGetLastError = gaitGetLastError;
        if (vfs->iVersion >= 2) vfs->xCurrentTimeInt64 = gaitCurrentTimeInt64;
        result = sqlite3_vfs_register(vfs, makeDefault);
    } else if (makeDefault) {
        result = sqlite3_vfs_register(vfs, 1);
    }
    pthread_mutex_unlock(&registrationLock);
    return result;
}

int gait_wal_vfs_register(int makeDefault) {
    return gait_wal_vfs_register_over(GAIT_WAL_VFS_NAME, NULL, makeDefault);
}
