/*
 * rtm_ref: an independent plain-C reference for `tmlab probe`.
 *
 * Build: gcc -O2 -mrtm -o rtm_ref rtm_ref.c
 * Run:   ./rtm_ref [--core N] [--attempts N] [--max-read-lines N] [--max-write-lines N]
 *
 * Prints one JSON object on stdout. Same definitions as tmlab (see README.md):
 *  - xbegin_xend_cycles / lock_xadd_cycles: TSC cycles per operation, per batch of 1000 ops
 *    (batch - median empty-loop batch) / 1000, median over 501 batches after 5 warm-up batches,
 *    with lfence;rdtsc before and rdtscp;lfence after each batch.
 *  - write_capacity_lines: the largest sequential, warm write set (one 8-byte store per 64-byte
 *    line) that commits in at least half of the planned attempts (200), found by doubling from 1
 *    and bisection to one line.
 *  - read_capacity_lines: the same for loads, bisection to 1/32 of the lower bound.
 * A point stops early once its 50 % outcome is decided either way (the outcome is the one the
 * full run would give). Buffers are 4 KiB aligned, pre-faulted (every line written) and warmed
 * (every footprint line stored to just before each attempt).
 *
 * RTM is checked first (CPUID.7.0:EBX bit 11, then EDX bit 11 RTM_ALWAYS_ABORT, then up to 10000
 * transactions until one commits). Without RTM the program never executes xbegin: it prints
 * {"rtm_usable": false, ...} with the reason and exits 0. TMLAB_NO_RTM=1 forces that path.
 */
#define _GNU_SOURCE
#include <cpuid.h>
#include <immintrin.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <x86intrin.h>

#define LINE 64
#define WORDS_PER_LINE (LINE / 8)
#define BATCHES 501
#define WARMUP_BATCHES 5
#define OPS 1000

static volatile uint64_t sink;

static inline uint64_t tsc_start(void) {
    _mm_lfence();
    return __rdtsc();
}

static inline uint64_t tsc_stop(void) {
    unsigned aux;
    uint64_t t = __rdtscp(&aux);
    _mm_lfence();
    return t;
}

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static double tsc_hz(void) {
    double t0 = now_s();
    uint64_t c0 = tsc_start();
    while (now_s() - t0 < 0.05) {
    }
    uint64_t c1 = tsc_stop();
    return (double)(c1 - c0) / (now_s() - t0);
}

/* ---- statistics ---- */

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median_sorted(const double *v, size_t n) {
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static double quantile_sorted(const double *v, size_t n, double q) {
    size_t rank = (size_t)__builtin_ceil(q * (double)n);
    if (rank < 1) rank = 1;
    if (rank > n) rank = n;
    return v[rank - 1];
}

struct spread {
    double median, p10, p90, min, max;
};

static struct spread spread_of(const uint64_t *batches, double overhead) {
    static double v[BATCHES];
    for (size_t i = 0; i < BATCHES; i++) {
        double c = ((double)batches[i] - overhead) / OPS;
        v[i] = c > 0 ? c : 0;
    }
    qsort(v, BATCHES, sizeof v[0], cmp_double);
    struct spread s = {median_sorted(v, BATCHES), quantile_sorted(v, BATCHES, 0.1),
                       quantile_sorted(v, BATCHES, 0.9), v[0], v[BATCHES - 1]};
    return s;
}

/* ---- batch timing ---- */

enum batch_kind { EMPTY, LOCK_XADD, XBEGIN_XEND };

static uint64_t xadd_word;
static uint64_t empty_aborts;

/* Only ever called with XBEGIN_XEND once RTM is proven usable. */
static void time_batches(enum batch_kind kind, uint64_t *out) {
    for (int b = 0; b < WARMUP_BATCHES + BATCHES; b++) {
        uint64_t t0 = tsc_start();
        for (uint64_t i = 0; i < OPS; i++) {
            if (kind == EMPTY) {
                __asm__ volatile("" : : "r"(i) : "memory");
            } else if (kind == LOCK_XADD) {
                uint64_t v = 1;
                __asm__ volatile("lock xaddq %0, %1" : "+r"(v), "+m"(xadd_word) : : "memory");
                sink = v;
            } else {
                if (_xbegin() == _XBEGIN_STARTED)
                    _xend();
                else
                    empty_aborts++;
            }
        }
        uint64_t t1 = tsc_stop();
        if (b >= WARMUP_BATCHES) out[b - WARMUP_BATCHES] = t1 - t0;
    }
}

static double empty_overhead(void) {
    static uint64_t raw[BATCHES];
    static double v[BATCHES];
    time_batches(EMPTY, raw);
    for (size_t i = 0; i < BATCHES; i++) v[i] = (double)raw[i];
    qsort(v, BATCHES, sizeof v[0], cmp_double);
    return median_sorted(v, BATCHES);
}

static struct spread measure(enum batch_kind kind) {
    static uint64_t raw[BATCHES];
    double overhead = empty_overhead();
    time_batches(kind, raw);
    return spread_of(raw, overhead);
}

/* ---- footprints (RTM only) ---- */

static volatile uint64_t *buf;

static void warm(size_t lines) {
    for (size_t i = 0; i < lines; i++) buf[i * WORDS_PER_LINE] = buf[i * WORDS_PER_LINE];
}

static int tx_write(size_t lines, uint64_t value) {
    if (_xbegin() == _XBEGIN_STARTED) {
        for (size_t i = 0; i < lines; i++) buf[i * WORDS_PER_LINE] = value;
        _xend();
        return 1;
    }
    return 0;
}

static int tx_read(size_t lines) {
    uint64_t sum = 0;
    if (_xbegin() == _XBEGIN_STARTED) {
        for (size_t i = 0; i < lines; i++) sum += buf[i * WORDS_PER_LINE];
        _xend();
        sink = sum;
        return 1;
    }
    return 0;
}

/* One point with early stopping; returns 1 if at least half of `planned` attempts commit. */
static int point(int write, size_t lines, uint64_t planned) {
    uint64_t commits = 0;
    for (uint64_t a = 0; a < planned; a++) {
        warm(lines);
        commits += write ? tx_write(lines, a) : tx_read(lines);
        uint64_t remaining = planned - a - 1;
        if (2 * commits >= planned) return 1;
        if (2 * (commits + remaining) < planned) return 0;
    }
    return 2 * commits >= planned;
}

/* Doubling from 1 then bisection; returns the largest passing size (0 if none), sets *censored
 * when the bound itself passed. */
static uint64_t half_point(int write, uint64_t max, uint64_t planned, uint64_t rel_div,
                           int *censored) {
    uint64_t lo = 0, hi = 0, x = 1;
    *censored = 0;
    for (;;) {
        if (!point(write, x, planned)) {
            hi = x;
            break;
        }
        lo = x;
        if (x == max) {
            *censored = 1;
            return lo;
        }
        x = 2 * x < max ? 2 * x : max;
    }
    if (lo == 0) return 0;
    for (;;) {
        uint64_t res = rel_div ? lo / rel_div : 1;
        if (res < 1) res = 1;
        if (hi - lo <= res) break;
        uint64_t mid = lo + (hi - lo) / 2;
        if (point(write, mid, planned))
            lo = mid;
        else
            hi = mid;
    }
    return lo;
}

/* ---- detection ---- */

static const char *rtm_unusable_reason(void) {
    const char *forced = getenv("TMLAB_NO_RTM");
    if (forced && forced[0] && strcmp(forced, "0") != 0)
        return "forced off: TMLAB_NO_RTM is set";
    unsigned a, b, c, d;
    if (__get_cpuid_max(0, 0) < 7)
        return "no CPUID bit: CPUID leaf 7 is not available";
    __cpuid_count(7, 0, a, b, c, d);
    if (!(b & (1u << 11)))
        return "no CPUID bit: CPUID.7.0:EBX[11] (RTM) is clear";
    if (d & (1u << 11))
        return "always-abort microcode: CPUID.7.0:EDX[11] (RTM_ALWAYS_ABORT) is set";
    /* The bit is set, so xbegin cannot fault: prove that a transaction commits. */
    static volatile uint64_t word;
    word = 0;
    for (uint64_t i = 1; i <= 10000; i++) {
        if (_xbegin() == _XBEGIN_STARTED) {
            word = i;
            _xend();
            if (word == i) return NULL;
        }
    }
    return "never commits: CPUID reports RTM, but none of 10000 transactions committed";
}

static int pin(long core) {
    cpu_set_t allowed;
    if (sched_getaffinity(0, sizeof allowed, &allowed) != 0) return -1;
    if (core < 0) {
        for (int i = 0; i < CPU_SETSIZE; i++)
            if (CPU_ISSET(i, &allowed)) {
                core = i;
                break;
            }
    }
    if (core < 0 || core >= CPU_SETSIZE || !CPU_ISSET(core, &allowed)) return -1;
    cpu_set_t one;
    CPU_ZERO(&one);
    CPU_SET(core, &one);
    return sched_setaffinity(0, sizeof one, &one) == 0 ? (int)core : -1;
}

static void print_spread(const char *name, struct spread s) {
    printf("  \"%s\": {\"median\": %.3f, \"p10\": %.3f, \"p90\": %.3f, \"min\": %.3f, "
           "\"max\": %.3f, \"batches\": %d, \"ops_per_batch\": %d},\n",
           name, s.median, s.p10, s.p90, s.min, s.max, BATCHES, OPS);
}

static long arg_value(int argc, char **argv, int *i) {
    if (*i + 1 >= argc) {
        fprintf(stderr, "rtm_ref: %s needs a value\n", argv[*i]);
        exit(2);
    }
    char *end;
    long v = strtol(argv[++*i], &end, 10);
    if (*end || v < 0) {
        fprintf(stderr, "rtm_ref: bad value for %s: %s\n", argv[*i - 1], argv[*i]);
        exit(2);
    }
    return v;
}

int main(int argc, char **argv) {
    long core = -1, attempts = 200, max_read = 1L << 20, max_write = 1L << 15;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--core"))
            core = arg_value(argc, argv, &i);
        else if (!strcmp(argv[i], "--attempts"))
            attempts = arg_value(argc, argv, &i);
        else if (!strcmp(argv[i], "--max-read-lines"))
            max_read = arg_value(argc, argv, &i);
        else if (!strcmp(argv[i], "--max-write-lines"))
            max_write = arg_value(argc, argv, &i);
        else {
            fprintf(stderr, "rtm_ref: unknown argument %s\n", argv[i]);
            return 2;
        }
    }
    if (attempts < 10 || max_read < 1 || max_write < 1) {
        fprintf(stderr, "rtm_ref: --attempts must be >= 10 and the maxima >= 1\n");
        return 2;
    }
    int pinned = pin(core);
    if (core >= 0 && pinned < 0) {
        fprintf(stderr, "rtm_ref: cannot pin to core %ld\n", core);
        return 2;
    }
    double hz = tsc_hz();
    const char *reason = rtm_unusable_reason();
    struct spread xadd = measure(LOCK_XADD);

    printf("{\n  \"tool\": \"rtm_ref\",\n  \"pinned_core\": %d,\n  \"tsc_hz\": %.0f,\n", pinned, hz);
    print_spread("lock_xadd", xadd);
    printf("  \"lock_xadd_cycles\": %.3f,\n", xadd.median);
    if (reason) {
        fprintf(stderr, "rtm_ref: RTM unusable: %s; no transaction was executed\n", reason);
        printf("  \"rtm_usable\": false,\n  \"reason\": \"%s\",\n", reason);
        printf("  \"xbegin_xend_cycles\": null,\n  \"spontaneous_abort_rate\": null,\n"
               "  \"write_capacity_lines\": null,\n  \"read_capacity_lines\": null\n}\n");
        return 0;
    }

    empty_aborts = 0;
    struct spread xb = measure(XBEGIN_XEND);
    double abort_rate = (double)empty_aborts / ((WARMUP_BATCHES + BATCHES) * (double)OPS);

    size_t max_lines = (size_t)(max_read > max_write ? max_read : max_write);
    size_t bytes = (max_lines * LINE + 4095) / 4096 * 4096;
    buf = aligned_alloc(4096, bytes);
    if (!buf) {
        fprintf(stderr, "rtm_ref: cannot allocate %zu bytes\n", bytes);
        return 1;
    }
    for (size_t i = 0; i < bytes / LINE; i++) buf[i * WORDS_PER_LINE] = 0; /* pre-fault */
    int wc, rc;
    uint64_t write_cap = half_point(1, (uint64_t)max_write, (uint64_t)attempts, 0, &wc);
    uint64_t read_cap = half_point(0, (uint64_t)max_read, (uint64_t)attempts, 32, &rc);
    free((void *)buf);

    printf("  \"rtm_usable\": true,\n  \"reason\": null,\n");
    print_spread("xbegin_xend", xb);
    printf("  \"xbegin_xend_cycles\": %.3f,\n  \"spontaneous_abort_rate\": %.6g,\n", xb.median,
           abort_rate);
    printf("  \"write_capacity_lines\": %llu,\n  \"write_capacity_censored\": %s,\n",
           (unsigned long long)write_cap, wc ? "true" : "false");
    printf("  \"read_capacity_lines\": %llu,\n  \"read_capacity_censored\": %s,\n",
           (unsigned long long)read_cap, rc ? "true" : "false");
    printf("  \"attempts_per_point\": %ld,\n  \"preparation\": \"pre-faulted and warmed\"\n}\n",
           attempts);
    return 0;
}
