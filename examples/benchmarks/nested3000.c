/* nested3000.c — nested loops, 3000 x 3000, best of 3 (like nested3000.ruff). */
#include <stdio.h>
#include <time.h>

static long nested(long n) {
    long s = 0;
    for (long i = 0; i < n; i++)
        for (long j = 0; j < n; j++) s = s + (i + j) % 7;
    return s;
}

static double now_ms(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

int main(void) {
    volatile long n = 3000;
    long result = 0;
    double best = 1e18;
    for (int run = 0; run < 3; run++) {
        double t0 = now_ms();
        result = nested(n);
        double elapsed = now_ms() - t0;
        if (elapsed < best) best = elapsed;
    }
    printf("nested(3000) = %ld\n", result);
    printf("elapsed_ms: %.4f\n", best);
    return 0;
}
