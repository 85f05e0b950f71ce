//! The time-stamp counter, the clock every cycle figure in tmlab is measured with.
//!
//! [`now`] is the cheap, unserialized read used around every transactional attempt. [`start`] and
//! [`stop`] are the serialized pair for measuring short code sequences (the pattern of Intel's
//! "How to Benchmark Code Execution Times"): `lfence; rdtsc` before, `rdtscp; lfence` after, so the
//! measured instructions can neither start before the first read nor finish after the second. On a
//! CPU without `rdtscp` (CPUID.80000001H:EDX\[27\]; Intel before Nehalem) the end is
//! `lfence; rdtsc; lfence`, which waits for the same earlier instructions.
//!
//! On targets other than x86-64, and under Miri (which does not execute `rdtsc`), the counter is
//! replaced by nanoseconds since an arbitrary origin, and [`ticks_per_second`] says so by returning
//! exactly `1e9`.

#[cfg(all(target_arch = "x86_64", not(miri)))]
mod imp {
    use core::arch::x86_64::{__cpuid, __rdtscp, _mm_lfence, _rdtsc};
    use core::sync::atomic::{AtomicU8, Ordering};

    /// Whether this CPU has `rdtscp`: 0 not yet known, 1 no, 2 yes.
    static RDTSCP: AtomicU8 = AtomicU8::new(0);

    #[inline(always)]
    fn has_rdtscp() -> bool {
        // Relaxed: the value is a fact about the CPU, the same whichever thread computes it, and
        // it publishes nothing else.
        match RDTSCP.load(Ordering::Relaxed) {
            2 => true,
            1 => false,
            _ => detect_rdtscp(),
        }
    }

    #[cold]
    fn detect_rdtscp() -> bool {
        // Leaf 0x8000_0001 is only valid when the maximum extended leaf reaches it.
        let present =
            __cpuid(0x8000_0000).eax >= 0x8000_0001 && __cpuid(0x8000_0001).edx & (1 << 27) != 0;
        // Relaxed: see `has_rdtscp`.
        RDTSCP.store(if present { 2 } else { 1 }, Ordering::Relaxed);
        present
    }

    #[inline(always)]
    pub fn now() -> u64 {
        // SAFETY: `rdtsc` exists on every x86-64 CPU and has no memory effects.
        unsafe { _rdtsc() }
    }

    #[inline(always)]
    pub fn start() -> u64 {
        // Learn now, before the measured region, whether `stop` may use `rdtscp` (CPUID is slow
        // and, in a VM, exits to the hypervisor).
        has_rdtscp();
        // SAFETY: `lfence` (SSE2, baseline on x86-64) and `rdtsc` have no memory effects.
        unsafe {
            _mm_lfence();
            _rdtsc()
        }
    }

    #[inline(always)]
    pub fn stop() -> u64 {
        if has_rdtscp() {
            let mut aux = 0u32;
            // SAFETY: this CPU has `rdtscp` (CPUID.80000001H:EDX[27], checked just above), which
            // writes only `aux`, a valid local.
            let t = unsafe { __rdtscp(&mut aux) };
            // SAFETY: `lfence` (SSE2, baseline on x86-64) has no memory effects.
            unsafe { _mm_lfence() };
            t
        } else {
            // SAFETY: `lfence` (SSE2, baseline on x86-64) and `rdtsc` (on every x86-64 CPU) have
            // no memory effects.
            unsafe {
                _mm_lfence();
                let t = _rdtsc();
                _mm_lfence();
                t
            }
        }
    }
}

#[cfg(any(not(target_arch = "x86_64"), miri))]
mod imp {
    use std::sync::OnceLock;
    use std::time::Instant;

    fn origin() -> Instant {
        static ORIGIN: OnceLock<Instant> = OnceLock::new();
        *ORIGIN.get_or_init(Instant::now)
    }

    pub fn now() -> u64 {
        origin().elapsed().as_nanos() as u64
    }

    pub fn start() -> u64 {
        now()
    }

    pub fn stop() -> u64 {
        now()
    }
}

/// Reads the time-stamp counter without serialization (cheap; for per-attempt accounting).
#[inline(always)]
pub fn now() -> u64 {
    imp::now()
}

/// Reads the counter after every earlier instruction has completed (start of a measured region).
#[inline(always)]
pub fn start() -> u64 {
    imp::start()
}

/// Reads the counter after every earlier instruction has completed, and before any later one
/// starts (end of a measured region).
#[inline(always)]
pub fn stop() -> u64 {
    imp::stop()
}

/// Measures the counter's rate against the monotonic wall clock over `window`.
///
/// On CPUs with an invariant TSC (`constant_tsc` and `nonstop_tsc` in `/proc/cpuinfo`) the rate is
/// constant, so a window of 20 to 100 ms gives it to better than 0.1 %.
pub fn ticks_per_second(window: std::time::Duration) -> f64 {
    if cfg!(any(not(target_arch = "x86_64"), miri)) {
        return 1e9;
    }
    let t0 = std::time::Instant::now();
    let c0 = start();
    while t0.elapsed() < window {
        std::hint::spin_loop();
    }
    let c1 = stop();
    let elapsed = t0.elapsed().as_secs_f64();
    (c1 - c0) as f64 / elapsed
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn counter_advances() {
        let a = start();
        let b = stop();
        let c = now();
        assert!(b > a && c >= b);
    }

    #[test]
    fn rate_is_plausible() {
        let hz = ticks_per_second(Duration::from_millis(20));
        assert!((1e8..1e11).contains(&hz), "implausible TSC rate {hz}");
    }
}
