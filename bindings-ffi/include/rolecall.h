/* rolecall C ABI. */
#ifndef ROLECALL_H
#define ROLECALL_H

#ifdef __cplusplus
extern "C" {
#endif

/* The library version as a static NUL-terminated string; never free it. */
const char *rolecall_version(void);

#ifdef __cplusplus
}
#endif

#endif /* ROLECALL_H */
