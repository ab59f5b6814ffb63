"""nbody.py — the CPython twin of nbody.ruff: the same loops and float operations
in the same order (so the same energies), 200,000 steps, one cold call."""
import time
from math import sqrt

PI = 3.141592653589793
SOLAR_MASS = 4.0 * PI * PI
DAYS_PER_YEAR = 365.24
DT = 0.01

X0 = [0.0, 4.841431442464721, 8.34336671824458, 12.894369562139131, 15.379697114850917]
Y0 = [0.0, -1.1603200440274284, 4.124798564124305, -15.111151401698631, -25.919314609987964]
Z0 = [0.0, -0.10362204447112311, -0.4035234171143214, -0.22330757889265573, 0.17925877295037118]
VX0 = [0.0, 0.001660076642744037 * DAYS_PER_YEAR, -0.002767425107268624 * DAYS_PER_YEAR,
    0.002964601375647616 * DAYS_PER_YEAR, 0.0026806777249038932 * DAYS_PER_YEAR]
VY0 = [0.0, 0.007699011184197404 * DAYS_PER_YEAR, 0.004998528012349172 * DAYS_PER_YEAR,
    0.0023784717395948095 * DAYS_PER_YEAR, 0.001628241700382423 * DAYS_PER_YEAR]
VZ0 = [0.0, -0.0000690460016972063 * DAYS_PER_YEAR, 0.000023041729757376393 * DAYS_PER_YEAR,
    -0.000029658956854023756 * DAYS_PER_YEAR, -0.00009515922545197159 * DAYS_PER_YEAR]
MASSES = [SOLAR_MASS, 0.0009547919384243266 * SOLAR_MASS, 0.0002858859806661308 * SOLAR_MASS,
    0.00004366244043351563 * SOLAR_MASS, 0.000051513890204661145 * SOLAR_MASS]



def energy(xs, ys, zs, vxs, vys, vzs, ms):
    e = 0.0
    n = len(ms)
    for i in range(n):
        e += 0.5 * ms[i] * (vxs[i] * vxs[i] + vys[i] * vys[i] + vzs[i] * vzs[i])
        for j in range(i + 1, n):
            dx = xs[i] - xs[j]
            dy = ys[i] - ys[j]
            dz = zs[i] - zs[j]
            e -= ms[i] * ms[j] / sqrt(dx * dx + dy * dy + dz * dz)
    return e


def fmt(x):
    return repr(x)


def simulate(steps):
    xs, ys, zs = list(X0), list(Y0), list(Z0)
    vxs, vys, vzs = list(VX0), list(VY0), list(VZ0)
    ms = MASSES
    n = len(ms)
    px = py = pz = 0.0
    for i in range(n):
        px += vxs[i] * ms[i]
        py += vys[i] * ms[i]
        pz += vzs[i] * ms[i]
    vxs[0] = -px / SOLAR_MASS
    vys[0] = -py / SOLAR_MASS
    vzs[0] = -pz / SOLAR_MASS
    print("energy before:", fmt(energy(xs, ys, zs, vxs, vys, vzs, ms)))
    for step in range(steps):
        for i in range(n):
            for j in range(i + 1, n):
                dx = xs[i] - xs[j]
                dy = ys[i] - ys[j]
                dz = zs[i] - zs[j]
                d2 = dx * dx + dy * dy + dz * dz
                mag = DT / (d2 * sqrt(d2))
                mi = ms[i] * mag
                mj = ms[j] * mag
                vxs[i] -= dx * mj
                vys[i] -= dy * mj
                vzs[i] -= dz * mj
                vxs[j] += dx * mi
                vys[j] += dy * mi
                vzs[j] += dz * mi
        for i in range(n):
            xs[i] += DT * vxs[i]
            ys[i] += DT * vys[i]
            zs[i] += DT * vzs[i]
    print("energy after:", fmt(energy(xs, ys, zs, vxs, vys, vzs, ms)))
    print("jupiter at:", fmt(xs[1]), fmt(ys[1]), fmt(zs[1]))


t0 = time.perf_counter()
simulate(200000)
print("elapsed_ms:", (time.perf_counter() - t0) * 1000)

# The steady state: the same work again (best of 3).
best = float("inf")
for run in range(3):
    t1 = time.perf_counter()
    simulate(200000)
    best = min(best, (time.perf_counter() - t1) * 1000)
print("steady_ms:", best)
