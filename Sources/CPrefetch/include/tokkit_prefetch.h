#ifndef TOKKIT_PREFETCH_H
#define TOKKIT_PREFETCH_H

/// Asks the CPU to start loading the cache line at `address`, without waiting for it. Swift has no
/// prefetch of its own; this inline function compiles to one instruction.
static inline void tk_prefetch(const void *address) { __builtin_prefetch(address, 0, 3); }

#endif
