"""mandelbrot.py — the same count as mandelbrot.ruff, best of 3."""
import time


def mandelbrot(size):
    count = 0
    for y in range(size):
        for x in range(size):
            cr = 2.0 * x / size - 1.5
            ci = 2.0 * y / size - 1.0
            zr = zi = 0.0
            inside = True
            for _ in range(50):
                tr = zr * zr - zi * zi + cr
                zi = 2.0 * zr * zi + ci
                zr = tr
                if zr * zr + zi * zi > 4.0:
                    inside = False
                    break
            if inside:
                count += 1
    return count


best, result = float("inf"), 0
for _ in range(3):
    t0 = time.perf_counter()
    result = mandelbrot(300)
    best = min(best, (time.perf_counter() - t0) * 1000.0)
print("mandelbrot(300) =", result)
print("elapsed_ms:", best)
