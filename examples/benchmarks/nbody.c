/* nbody.c — the same simulation as nbody.ruff and nbody.py (same float operations in
   the same order, so the same energies), 200,000 steps, timed around the call. */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

static double PI;
static double SOLAR_MASS;
static double DAYS_PER_YEAR;
static double DT;
static double X0[5];
static double Y0[5];
static double Z0[5];
static double VX0[5];
static double VY0[5];
static double VZ0[5];
static double MASSES[5];

static void init(void) {
    PI = 3.141592653589793;
    SOLAR_MASS = 4.0 * PI * PI;
    DAYS_PER_YEAR = 365.24;
    DT = 0.01;
    X0[0] = 0.0;
    X0[1] = 4.841431442464721;
    X0[2] = 8.34336671824458;
    X0[3] = 12.894369562139131;
    X0[4] = 15.379697114850917;
    Y0[0] = 0.0;
    Y0[1] = -1.1603200440274284;
    Y0[2] = 4.124798564124305;
    Y0[3] = -15.111151401698631;
    Y0[4] = -25.919314609987964;
    Z0[0] = 0.0;
    Z0[1] = -0.10362204447112311;
    Z0[2] = -0.4035234171143214;
    Z0[3] = -0.22330757889265573;
    Z0[4] = 0.17925877295037118;
    VX0[0] = 0.0;
    VX0[1] = 0.001660076642744037 * DAYS_PER_YEAR;
    VX0[2] = -0.002767425107268624 * DAYS_PER_YEAR;
    VX0[3] = 0.002964601375647616 * DAYS_PER_YEAR;
    VX0[4] = 0.0026806777249038932 * DAYS_PER_YEAR;
    VY0[0] = 0.0;
    VY0[1] = 0.007699011184197404 * DAYS_PER_YEAR;
    VY0[2] = 0.004998528012349172 * DAYS_PER_YEAR;
    VY0[3] = 0.0023784717395948095 * DAYS_PER_YEAR;
    VY0[4] = 0.001628241700382423 * DAYS_PER_YEAR;
    VZ0[0] = 0.0;
    VZ0[1] = -0.0000690460016972063 * DAYS_PER_YEAR;
    VZ0[2] = 0.000023041729757376393 * DAYS_PER_YEAR;
    VZ0[3] = -0.000029658956854023756 * DAYS_PER_YEAR;
    VZ0[4] = -0.00009515922545197159 * DAYS_PER_YEAR;
    MASSES[0] = SOLAR_MASS;
    MASSES[1] = 0.0009547919384243266 * SOLAR_MASS;
    MASSES[2] = 0.0002858859806661308 * SOLAR_MASS;
    MASSES[3] = 0.00004366244043351563 * SOLAR_MASS;
    MASSES[4] = 0.000051513890204661145 * SOLAR_MASS;
}

static double energy(double *xs, double *ys, double *zs, double *vxs, double *vys, double *vzs, double *ms) {
    double e = 0.0;
    for (int i = 0; i < 5; i++) {
        e += 0.5 * ms[i] * (vxs[i] * vxs[i] + vys[i] * vys[i] + vzs[i] * vzs[i]);
        for (int j = i + 1; j < 5; j++) {
            double dx = xs[i] - xs[j], dy = ys[i] - ys[j], dz = zs[i] - zs[j];
            e -= ms[i] * ms[j] / sqrt(dx * dx + dy * dy + dz * dz);
        }
    }
    return e;
}

static void simulate(long steps) {
    double xs[5], ys[5], zs[5], vxs[5], vys[5], vzs[5], *ms = MASSES;
    memcpy(xs, X0, sizeof xs); memcpy(ys, Y0, sizeof ys); memcpy(zs, Z0, sizeof zs);
    memcpy(vxs, VX0, sizeof vxs); memcpy(vys, VY0, sizeof vys); memcpy(vzs, VZ0, sizeof vzs);
    double px = 0.0, py = 0.0, pz = 0.0;
    for (int i = 0; i < 5; i++) { px += vxs[i] * ms[i]; py += vys[i] * ms[i]; pz += vzs[i] * ms[i]; }
    vxs[0] = -px / SOLAR_MASS; vys[0] = -py / SOLAR_MASS; vzs[0] = -pz / SOLAR_MASS;
    printf("energy before: %.17g\n", energy(xs, ys, zs, vxs, vys, vzs, ms));
    for (long step = 0; step < steps; step++) {
        for (int i = 0; i < 5; i++) {
            for (int j = i + 1; j < 5; j++) {
                double dx = xs[i] - xs[j], dy = ys[i] - ys[j], dz = zs[i] - zs[j];
                double d2 = dx * dx + dy * dy + dz * dz;
                double mag = DT / (d2 * sqrt(d2));
                double mi = ms[i] * mag, mj = ms[j] * mag;
                vxs[i] -= dx * mj; vys[i] -= dy * mj; vzs[i] -= dz * mj;
                vxs[j] += dx * mi; vys[j] += dy * mi; vzs[j] += dz * mi;
            }
        }
        for (int i = 0; i < 5; i++) { xs[i] += DT * vxs[i]; ys[i] += DT * vys[i]; zs[i] += DT * vzs[i]; }
    }
    printf("energy after: %.17g\n", energy(xs, ys, zs, vxs, vys, vzs, ms));
    printf("jupiter at: %.17g %.17g %.17g\n", xs[1], ys[1], zs[1]);
}

int main(void) {
    struct timespec a, b;
    init();
    clock_gettime(CLOCK_MONOTONIC, &a);
    simulate(200000);
    clock_gettime(CLOCK_MONOTONIC, &b);
    printf("elapsed_ms: %f\n", (b.tv_sec - a.tv_sec) * 1e3 + (b.tv_nsec - a.tv_nsec) / 1e6);
    /* The steady state: the same work again, from the same start (best of 3). */
    double best = 1e30;
    for (int run = 0; run < 3; run++) {
        init();
        clock_gettime(CLOCK_MONOTONIC, &a);
        simulate(200000);
        clock_gettime(CLOCK_MONOTONIC, &b);
        double ms = (b.tv_sec - a.tv_sec) * 1e3 + (b.tv_nsec - a.tv_nsec) / 1e6;
        if (ms < best) best = ms;
    }
    printf("steady_ms: %f\n", best);
    return 0;
}
