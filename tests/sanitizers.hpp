// Which sanitizer this test binary was built with. gcc defines __SANITIZE_ADDRESS__ and
// __SANITIZE_THREAD__; clang answers __has_feature instead. Tests whose measurement a sanitizer
// distorts (ASan's quarantine keeps freed memory, so RSS grows; everything runs 2-20x slower)
// skip that one assertion, never the behaviour under test.
#pragma once

#if defined(__SANITIZE_ADDRESS__)
#define XGRAD_TEST_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define XGRAD_TEST_ASAN 1
#endif
#endif

#if defined(__SANITIZE_THREAD__)
#define XGRAD_TEST_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define XGRAD_TEST_TSAN 1
#endif
#endif
