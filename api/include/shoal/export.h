// SHOAL_API marks what libshoal.so exports: the functions and IID/CLSID constants of these
// headers. Everything else in the library is compiled hidden, and api/libshoal.map lists the
// same names for the linker. Thread-safe (a macro).
#pragma once

#if defined(__GNUC__)
#define SHOAL_API __attribute__((visibility("default")))
#else
#define SHOAL_API
#endif
