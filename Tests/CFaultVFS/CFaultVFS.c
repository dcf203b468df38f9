// A pass-through VFS over SQLite's default one whose log writes fail when a test asks, so the
// tests can check how Gait's log-writing VFS (stacked on it) reports a failed write.
#include <sqlite3.h>
#include <pthread.h>
#include <string.h>
#include "CFaultVFS.h"

typedef struct FaultFile {
    sqlite3_file base;
    sqlite3_file *real;
    int isLog;
} FaultFile;

static sqlite3_vfs *underlying;
static sqlite3_vfs faultVFS;
static sqlite3_io_methods faultMethods;
static pthread_once_t once = PTHREAD_ONCE_INIT;
static int registrationResult = SQLITE_OK;
static int mode;
static long long failures;

/// The error a write gets, or SQLITE_OK.
static int failure(const FaultFile *file, const void *data, int amount) {
    if (!file->isLog) return SQLITE_OK;
    int current = __atomic_load_n(&mode, __ATOMIC_SEQ_CST);
    const unsigned char *bytes = data;
    int result = SQLITE_OK;
    if (current == FAULT_EVERY_LOG_WRITE) {
        result = SQLITE_IOERR_WRITE;
    } else if (current == FAULT_COMMIT_HEADER_WRITES && amount == 24 && (bytes[4] | bytes[5] | bytes[6] | bytes[7]) != 0) {
        result = SQLITE_IOERR_WRITE;
    } else if (current == FAULT_NEXT_LOG_WRITE) {
        int expected = FAULT_NEXT_LOG_WRITE;
        if (__atomic_compare_exchange_n(&mode, &expected, FAULT_NONE, 0, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST)) result = SQLITE_FULL;
    }
    if (result != SQLITE_OK) __atomic_add_fetch(&failures, 1, __ATOMIC_SEQ_CST);
    return result;
}

#define REAL(handle) (((FaultFile *)(handle))->real)

static int faultClose(sqlite3_file *f) { return REAL(f)->pMethods->xClose(REAL(f)); }
static int faultRead(sqlite3_file *f, void *d, int n, sqlite3_int64 o) { return REAL(f)->pMethods->xRead(REAL(f), d, n, o); }
static int faultWrite(sqlite3_file *f, const void *d, int n, sqlite3_int64 o) {
    int result = failure((FaultFile *)f, d, n);
    if (result != SQLITE_OK) return result;
    return REAL(f)->pMethods->xWrite(REAL(f), d, n, o);
}
static int faultTruncate(sqlite3_file *f, sqlite3_int64 s) { return REAL(f)->pMethods->xTruncate(REAL(f), s); }
static int faultSync(sqlite3_file *f, int flags) { return REAL(f)->pMethods->xSync(REAL(f), flags); }
static int faultFileSize(sqlite3_file *f, sqlite3_int64 *s) { return REAL(f)->pMethods->xFileSize(REAL(f), s); }
static int faultLock(sqlite3_file *f, int l) { return REAL(f)->pMethods->xLock(REAL(f), l); }
static int faultUnlock(sqlite3_file *f, int l) { return REAL(f)->pMethods->xUnlock(REAL(f), l); }
static int faultCheckReservedLock(sqlite3_file *f, int *r) { return REAL(f)->pMethods->xCheckReservedLock(REAL(f), r); }
static int faultFileControl(sqlite3_file *f, int op, void *a) { return REAL(f)->pMethods->xFileControl(REAL(f), op, a); }
static int faultSectorSize(sqlite3_file *f) { return REAL(f)->pMethods->xSectorSize(REAL(f)); }
static int faultDeviceCharacteristics(sqlite3_file *f) { return REAL(f)->pMethods->xDeviceCharacteristics(REAL(f)); }
static int faultShmMap(sqlite3_file *f, int p, int s, int e, void volatile **m) { return REAL(f)->pMethods->xShmMap(REAL(f), p, s, e, m); }
static int faultShmLock(sqlite3_file *f, int o, int n, int flags) { return REAL(f)->pMethods->xShmLock(REAL(f), o, n, flags); }
static void faultShmBarrier(sqlite3_file *f) { REAL(f)->pMethods->xShmBarrier(REAL(f)); }
static int faultShmUnmap(sqlite3_file *f, int d) { return REAL(f)->pMethods->xShmUnmap(REAL(f), d); }
static int faultFetch(sqlite3_file *f, sqlite3_int64 o, int n, void **p) { return REAL(f)->pMethods->xFetch(REAL(f), o, n, p); }
static int faultUnfetch(sqlite3_file *f, sqlite3_int64 o, void *p) { return REAL(f)->pMethods->xUnfetch(REAL(f), o, p); }

static int faultOpen(sqlite3_vfs *vfs, sqlite3_filename name, sqlite3_file *handle, int flags, int *outFlags) {
    (void)vfs;
    FaultFile *file = (FaultFile *)handle;
    memset(file, 0, sizeof *file);
    file->real = (sqlite3_file *)(file + 1);
    int result = underlying->xOpen(underlying, name, file->real, flags, outFlags);
    // The methods are version 3 like the unix VFS's; a file the underlying VFS did not open has none.
    file->base.pMethods = file->real->pMethods ? &faultMethods : NULL;
    file->isLog = (flags & SQLITE_OPEN_WAL) != 0;
    return result;
}
static int faultDelete(sqlite3_vfs *v, const char *n, int s) { (void)v; return underlying->xDelete(underlying, n, s); }
static int faultAccess(sqlite3_vfs *v, const char *n, int f, int *r) { (void)v; return underlying->xAccess(underlying, n, f, r); }
static int faultFullPathname(sqlite3_vfs *v, const char *n, int s, char *o) { (void)v; return underlying->xFullPathname(underlying, n, s, o); }
static int faultRandomness(sqlite3_vfs *v, int n, char *o) { (void)v; return underlying->xRandomness(underlying, n, o); }
static int faultSleep(sqlite3_vfs *v, int m) { (void)v; return underlying->xSleep(underlying, m); }
static int faultCurrentTime(sqlite3_vfs *v, double *t) { (void)v; return underlying->xCurrentTime(underlying, t); }
static int faultGetLastError(sqlite3_vfs *v, int n, char *o) { (void)v; (void)n; (void)o; return 0; }
static int faultCurrentTimeInt64(sqlite3_vfs *v, sqlite3_int64 *t) { (void)v; return underlying->xCurrentTimeInt64(underlying, t); }

static void registerOnce(void) {
    // SQLite's own VFS, whatever the process made its default (Gait's VFS, once a workspace opened).
    underlying = sqlite3_vfs_find("unix");
    if (underlying == NULL || underlying->iVersion < 2) {
        registrationResult = SQLITE_ERROR;
        return;
    }
    faultMethods = (sqlite3_io_methods){
        3, faultClose, faultRead, faultWrite, faultTruncate, faultSync, faultFileSize, faultLock, faultUnlock,
        faultCheckReservedLock, faultFileControl, faultSectorSize, faultDeviceCharacteristics, faultShmMap,
        faultShmLock, faultShmBarrier, faultShmUnmap, faultFetch, faultUnfetch,
    };
    faultVFS = (sqlite3_vfs){0};
    faultVFS.iVersion = 2;
    faultVFS.szOsFile = (int)sizeof(FaultFile) + underlying->szOsFile;
    faultVFS.mxPathname = underlying->mxPathname;
    faultVFS.zName = FAULT_VFS_NAME;
    faultVFS.xOpen = faultOpen;
    faultVFS.xDelete = faultDelete;
    faultVFS.xAccess = faultAccess;
    faultVFS.xFullPathname = faultFullPathname;
    faultVFS.xRandomness = faultRandomness;
    faultVFS.xSleep = faultSleep;
    faultVFS.xCurrentTime = faultCurrentTime;
    faultVFS.xGetLastError = faultGetLastError;
    faultVFS.xCurrentTimeInt64 = faultCurrentTimeInt64;
    registrationResult = sqlite3_vfs_register(&faultVFS, 0);
}

int fault_vfs_register(void) {
    int result = sqlite3_initialize();
    if (result != SQLITE_OK) return result;
    pthread_once(&once, registerOnce);
    return registrationResult;
}

void fault_vfs_fail(int newMode) { __atomic_store_n(&mode, newMode, __ATOMIC_SEQ_CST); }

long long fault_vfs_failures(void) { return __atomic_load_n(&failures, __ATOMIC_SEQ_CST); }
