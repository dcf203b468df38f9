// The prefetch hint is an inline function in the header; this file gives the target a source to build.
#include "CPrefetch.h"
