// Hints to the processor that memory will soon be read, for the kernels that stream weight rows (Swift has no
// prefetch of its own, and `_mm_prefetch` is a C macro Swift cannot import). Inline, so a call costs only the
// prefetch instructions.
#ifndef GAIT_CPREFETCH_H
#define GAIT_CPREFETCH_H

/// Hints every 64-byte cache line of `bytes` bytes from `start` into all cache levels.
static inline __attribute__((always_inline)) void gait_prefetch(const void *start, long bytes) {
    const char *line = (const char *)start;
    for (long offset = 0; offset < bytes; offset += 64) {
        __builtin_prefetch(line + offset, 0, 3);
    }
}

#endif
