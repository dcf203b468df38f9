#include "AllocationCounter.h"

#include <stdlib.h>

#if defined(__GLIBC__)
extern void *__libc_malloc(size_t size);

static _Thread_local long calls;

void *malloc(size_t size) {
    calls += 1;
    return __libc_malloc(size);
}

long gait_malloc_calls(void) {
    return calls;
}
#else
long gait_malloc_calls(void) {
    return -1;
}
#endif
