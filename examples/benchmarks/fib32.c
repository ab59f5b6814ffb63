/* fib32.c — recursive fib(32), best of 5 runs after a warm-up (like fib32.ruff). */
#include <stdio.h>
#include <time.h>

static long fib(long n) { return n < 2 ? n : fib(n - 1) + fib(n - 2); }

static double now_ms(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

int main(void) {
    volatile long n = 32, warm = 20;
    long result = fib(warm);
    double best = 1e18;
    for (int run = 0; run < 5; run++) {
        double t0 = now_ms();
        result = fib(n);
        double elapsed = now_ms() - t0;
        if (elapsed < best) best = elapsed;
    }
    printf("fib(32) = %ld\n", result);
    printf("elapsed_ms: %.4f\n", best);
    return 0;
}
