//! Randomized, bounded exponential backoff, shared by the software and hardware backends.

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
    /// A backoff whose bound grows from 2 to `2^max_step` spin iterations. `seed` should differ per
    /// thread; zero is replaced by a fixed non-zero constant.
    pub fn new(max_step: u32, seed: u64) -> Self {
        let state = if seed == 0 {
            0x9E37_79B9_7F4A_7C15
        } else {
            seed
        };
        Backoff {
            step: 0,
            max_step: max_step.min(31),
            state,
        }
    }

    /// Forgets past failures (call after a commit).
    #[inline]
    pub fn reset(&mut self) {
        self.step = 0;
    }

    /// The current bound on the number of spin iterations.
    #[inline]
    pub fn bound(&self) -> u32 {
        2u32 << self.step.min(self.max_step)
    }

    /// Spins for a random count below [`Backoff::bound`], then doubles the bound (up to the cap).
    /// Returns the number of iterations spun.
    #[inline]
    pub fn spin(&mut self) -> u32 {
        let n = (self.next() % u64::from(self.bound())) as u32;
        for _ in 0..n {
            core::hint::spin_loop();
        }
        if self.step < self.max_step {
            self.step += 1;
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
        b.reset();
        assert_eq!(b.bound(), 2);
    }

    #[test]
    fn spins_are_not_constant() {
        let mut b = Backoff::new(10, 42);
        for _ in 0..10 {
            b.spin();
        }
        let draws: Vec<u32> = (0..32).map(|_| b.spin()).collect();
        assert!(draws.iter().any(|&d| d != draws[0]));
    }
}
