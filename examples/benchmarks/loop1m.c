/* A 1,000,000-iteration summing loop in a function, timed around the call. */
#include <stdio.h>
#include <time.h>

static long sum_to(volatile long n) {
    long total = 0;
    for (long i = 0; i < n; i++) total += i;
    return total;
}

int main(void) {
    struct timespec start, end;
    clock_gettime(CLOCK_MONOTONIC, &start);
    long result = sum_to(1000000);
    clock_gettime(CLOCK_MONOTONIC, &end);
    printf("sum_to(1000000) = %ld\n", result);
    printf("elapsed_ms: %.4f\n", (end.tv_sec - start.tv_sec) * 1e3 + (end.tv_nsec - start.tv_nsec) / 1e6);
    return 0;
}
