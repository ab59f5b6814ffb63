/* loop10m.c — a 10,000,000-iteration loop in a function, best of 5 (like loop10m.ruff). */
#include <stdio.h>
#include <time.h>

static long sum_to(long n) {
    long total = 0;
    for (long i = 0; i < n; i++) total = total + i;
    return total;
}

static double now_ms(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

int main(void) {
    volatile long n = 10000000;
    long result = 0;
    double best = 1e18;
    for (int run = 0; run < 5; run++) {
        double t0 = now_ms();
        result = sum_to(n);
        double elapsed = now_ms() - t0;
        if (elapsed < best) best = elapsed;
    }
    printf("sum_to(10000000) = %ld\n", result);
    printf("elapsed_ms: %.4f\n", best);
    return 0;
}
