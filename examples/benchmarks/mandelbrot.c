/* mandelbrot.c — the same count as mandelbrot.ruff, best of 3. */
#include <stdio.h>
#include <time.h>

static long mandelbrot(long size) {
    long count = 0;
    for (long y = 0; y < size; y++) {
        for (long x = 0; x < size; x++) {
            double cr = 2.0 * x / size - 1.5, ci = 2.0 * y / size - 1.0;
            double zr = 0.0, zi = 0.0;
            int inside = 1;
            for (int k = 0; k < 50; k++) {
                double tr = zr * zr - zi * zi + cr;
                zi = 2.0 * zr * zi + ci;
                zr = tr;
                if (zr * zr + zi * zi > 4.0) { inside = 0; break; }
            }
            count += inside;
        }
    }
    return count;
}

static double now_ms(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

int main(void) {
    volatile long size = 300;
    long result = 0;
    double best = 1e18;
    for (int run = 0; run < 3; run++) {
        double t0 = now_ms();
        result = mandelbrot(size);
        double elapsed = now_ms() - t0;
        if (elapsed < best) best = elapsed;
    }
    printf("mandelbrot(300) = %ld\n", result);
    printf("elapsed_ms: %.4f\n", best);
    return 0;
}
