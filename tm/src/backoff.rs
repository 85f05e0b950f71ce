//! Randomized, bounded exponential backoff, shared by the software and hardware backends.
//!
//! After the `k`-th consecutive abort (counting from 0) a thread spins for a count drawn uniformly
//! from `0..2^(min(k, max_step) + 1)`: the bound starts at 2 and doubles after each abort until it
//! reaches the cap `2^(max_step + 1)`, where it stays until [`Backoff::reset`]. `max_step` is at
//! most [`MAX_STEP`], so the cap is at most 2^32 spins. The arithmetic is done in `u64`, where
//! every bound up to that cap is exact (in `u32`, `2 << 31` would wrap to 0).

/// The largest `max_step` a [`Backoff`] accepts (larger values are clamped to it). Its bound then
/// grows to `2^(MAX_STEP + 1) = 2^32` spin iterations.
pub const MAX_STEP: u32 = 31;

/// Spins for a random number of iterations whose bound doubles on each call, up to a cap.
///
/// Randomization breaks the lock-step retries of threads that conflicted with each other; the cap
/// bounds the delay, so backoff only spaces retries out and never delays progress without limit.
/// The generator is a xorshift64* seeded per handle: a few instructions and no allocation.
#[derive(Clone, Debug)]
pub struct Backoff {
    step: u32,
    max_step: u32,
    state: u64,
}

impl Backoff {
    /// A backoff whose bound grows from 2 to `2^(max_step + 1)` spin iterations; `max_step` is
    /// clamped to [`MAX_STEP`]. `seed` should differ per thread; zero is replaced by a fixed
    /// non-zero constant.
    pub fn new(max_step: u32, seed: u64) -> Self {
        let state = if seed == 0 {
            0x9E37_79B9_7F4A_7C15
        } else {
            seed
        };
        Backoff {
            step: 0,
            max_step: max_step.min(MAX_STEP),
            state,
        }
    }

    /// Forgets past failures (call after a commit).
    #[inline]
    pub fn reset(&mut self) {
        self.step = 0;
    }

    /// The current bound on the number of spin iterations: `2^(step + 1)`, at most
    /// `2^(max_step + 1)` (never 0).
    #[inline]
    pub fn bound(&self) -> u64 {
        2u64 << self.step.min(self.max_step)
    }

    /// The largest bound this backoff reaches, `2^(max_step + 1)`.
    #[inline]
    pub fn cap(&self) -> u64 {
        2u64 << self.max_step
    }

    /// Draws the next spin count, below [`Backoff::bound`], and doubles the bound (up to the cap)
    /// without spinning. [`Backoff::spin`] is this followed by the spins.
    #[inline]
    pub fn next_delay(&mut self) -> u64 {
        let n = self.next() % self.bound();
        if self.step < self.max_step {
            self.step += 1;
        }
        n
    }

    /// Spins for a random count below [`Backoff::bound`], then doubles the bound (up to the cap).
    /// Returns the number of iterations spun.
    #[inline]
    pub fn spin(&mut self) -> u64 {
        let n = self.next_delay();
        for _ in 0..n {
            core::hint::spin_loop();
        }
        n
    }

    fn next(&mut self) -> u64 {
        // xorshift64* (Vigna, "An experimental exploration of Marsaglia's xorshift generators").
        let mut x = self.state;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.state = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bound_doubles_up_to_the_cap_and_resets() {
        let mut b = Backoff::new(3, 1);
        let mut bounds = Vec::new();
        for _ in 0..6 {
            bounds.push(b.bound());
            assert!(b.spin() < bounds[bounds.len() - 1]);
        }
        assert_eq!(bounds, [2, 4, 8, 16, 16, 16]);
        assert_eq!(b.cap(), 16, "the cap is 2^(max_step + 1)");
        b.reset();
        assert_eq!(b.bound(), 2);
    }

    /// The largest accepted step through 40 consecutive aborts: with `u32` arithmetic the bound
    /// wrapped to 0 at the 32nd abort and the draw divided by zero.
    #[test]
    fn the_largest_step_survives_40_aborts() {
        let mut b = Backoff::new(MAX_STEP, 7);
        let mut bounds = Vec::new();
        for _ in 0..40 {
            let bound = b.bound();
            assert!(b.next_delay() < bound);
            bounds.push(bound);
        }
        let expected: Vec<u64> = (0..40u32).map(|k| 2u64 << k.min(MAX_STEP)).collect();
        assert_eq!(bounds, expected);
        assert_eq!(b.cap(), 1u64 << 32);
        assert_eq!(b.bound(), 1u64 << 32, "the bound stays at the cap");
    }

    #[test]
    fn steps_above_the_largest_are_clamped() {
        let b = Backoff::new(u32::MAX, 3);
        assert_eq!(b.cap(), 2u64 << MAX_STEP);
    }

    #[test]
    fn spins_are_not_constant() {
        let mut b = Backoff::new(10, 42);
        for _ in 0..10 {
            b.spin();
        }
        let draws: Vec<u64> = (0..32).map(|_| b.spin()).collect();
        assert!(draws.iter().any(|&d| d != draws[0]));
    }
}
