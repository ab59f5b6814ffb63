/* fib(25) in C, timed like fib25.ruff and fib25.py: around the call only. */
#include <stdio.h>
#include <time.h>

static long fib(long n) { return n < 2 ? n : fib(n - 1) + fib(n - 2); }

int main(void) {
    struct timespec start, end;
    clock_gettime(CLOCK_MONOTONIC, &start);
    volatile long result = fib(25);
    clock_gettime(CLOCK_MONOTONIC, &end);
    printf("fib(25) = %ld\n", (long)result);
    printf("elapsed_ms: %.4f\n", (end.tv_sec - start.tv_sec) * 1e3 + (end.tv_nsec - start.tv_nsec) / 1e6);
    return 0;
}
