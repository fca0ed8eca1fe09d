/* Links librolecall through its header and checks the version call. */
#include <stdio.h>
#include <string.h>
#include "rolecall.h"

int main(void) {
    const char *v = rolecall_version();
    if (v == NULL || strchr(v, '.') == NULL) {
        printf("0 passed, 1 failed\n");
        return 1;
    }
    printf("c: 1 passed, 0 failed\n");
    return 0;
}
