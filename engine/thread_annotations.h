// Clang's thread-safety attributes as macros: which mutex guards a member, which a function
// needs held or must not hold. Checked by clang with -Wthread-safety (the SHOAL_THREAD_SAFETY
// build); other compilers see nothing. Use them with engine/mutex.h. Pure declarations.
#pragma once

#if defined(__clang__)
#define SHOAL_THREAD_ATTRIBUTE(x) __attribute__((x))
#else
#define SHOAL_THREAD_ATTRIBUTE(x)
#endif

// A class whose objects are capabilities (a mutex).
#define CAPABILITY(x) SHOAL_THREAD_ATTRIBUTE(capability(x))
// An RAII class that holds a capability for its lifetime.
#define SCOPED_CAPABILITY SHOAL_THREAD_ATTRIBUTE(scoped_lockable)
// The member is read and written only with `x` held.
#define GUARDED_BY(x) SHOAL_THREAD_ATTRIBUTE(guarded_by(x))
// What the pointer member points to is read and written only with `x` held.
#define PT_GUARDED_BY(x) SHOAL_THREAD_ATTRIBUTE(pt_guarded_by(x))
// Lock ordering: this mutex is taken after / before the named ones.
#define ACQUIRED_AFTER(...) SHOAL_THREAD_ATTRIBUTE(acquired_after(__VA_ARGS__))
#define ACQUIRED_BEFORE(...) SHOAL_THREAD_ATTRIBUTE(acquired_before(__VA_ARGS__))
// The caller must hold the capabilities (exclusively / at least shared).
#define REQUIRES(...) SHOAL_THREAD_ATTRIBUTE(requires_capability(__VA_ARGS__))
#define REQUIRES_SHARED(...) SHOAL_THREAD_ATTRIBUTE(requires_shared_capability(__VA_ARGS__))
// The function takes / lets go of the capabilities (no argument: `this`).
#define ACQUIRE(...) SHOAL_THREAD_ATTRIBUTE(acquire_capability(__VA_ARGS__))
#define ACQUIRE_SHARED(...) SHOAL_THREAD_ATTRIBUTE(acquire_shared_capability(__VA_ARGS__))
#define RELEASE(...) SHOAL_THREAD_ATTRIBUTE(release_capability(__VA_ARGS__))
#define RELEASE_SHARED(...) SHOAL_THREAD_ATTRIBUTE(release_shared_capability(__VA_ARGS__))
#define TRY_ACQUIRE(...) SHOAL_THREAD_ATTRIBUTE(try_acquire_capability(__VA_ARGS__))
// The caller must not hold the capabilities (the function takes them itself).
#define EXCLUDES(...) SHOAL_THREAD_ATTRIBUTE(locks_excluded(__VA_ARGS__))
// Tells the analysis the capability is held here (checked at run time, if at all, by the
// function itself).
#define ASSERT_CAPABILITY(x) SHOAL_THREAD_ATTRIBUTE(assert_capability(x))
// The function returns a reference to the capability.
#define RETURN_CAPABILITY(x) SHOAL_THREAD_ATTRIBUTE(lock_returned(x))
// Opts a function out of the analysis: for code the analysis cannot follow (say why at use).
#define NO_THREAD_SAFETY_ANALYSIS SHOAL_THREAD_ATTRIBUTE(no_thread_safety_analysis)
