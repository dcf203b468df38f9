// Counts calls to malloc per thread, for tests that check a loop allocates nothing on the heap.
//
// With glibc, this target defines `malloc` itself (counting, then calling glibc's `__libc_malloc`), which
// takes the place of libc's for the whole test process; everything else about allocation is unchanged
// (memory still comes from glibc's allocator and goes back through its `free`). The count is per thread,
// so tests running at the same time on other threads do not disturb it. Elsewhere nothing is counted and
// `gait_malloc_calls` returns -1.
#ifndef GAIT_ALLOCATION_COUNTER_H
#define GAIT_ALLOCATION_COUNTER_H

/// The calls to malloc the calling thread has made so far; -1 where they are not counted.
long gait_malloc_calls(void);

#endif
