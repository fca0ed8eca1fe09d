/* librolecall.a linked beside another Rust static library (tests/c/static-symbols/other.rs):
 * both work, a panic caught inside each included. Run by check.sh. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "rolecall.h"

uint32_t other_answer(uint32_t n);

int main(void) {
    int failed = 0;
    rolecall_directory *dir = NULL;
    if (rolecall_directory_open_in_memory(&dir) != ROLECALL_STATUS_OK) failed++;
    /* A typed error through rolecall (NULL out-parameter), then the other library's panic. */
    if (rolecall_directory_revision(dir, NULL) != ROLECALL_STATUS_NULL_POINTER) failed++;
    if (other_answer(4) != 6 || other_answer(7) != 0) failed++;
    if (strlen(rolecall_version()) == 0) failed++;
    rolecall_directory_free(dir);
    printf("two_rust: %s\n", failed ? "FAILED" : "ok");
    return failed != 0;
}
