//! A ticket lock: FIFO-fair spinning.
//!
//! A thread takes a ticket with `fetch_add` on `next` and waits until `serving` equals it; release
//! increments `serving`. The lock is held (or promised to a queued thread) exactly when
//! `next != serving`. Both counters share one cache-padded line, so a subscribing transaction reads
//! one line, and every acquisition writes that line (the `fetch_add` on `next`), which aborts it.
//! Counters wrap at 2^32; equality survives wrapping as long as fewer than 2^32 threads queue.

use crate::lock::{RawLock, spin_until};
use crate::primitive::AtomicU32;
use core::sync::atomic::Ordering;
use crossbeam_utils::CachePadded;

/// The two counters of a ticket lock, on one cache line.
#[derive(Debug, Default)]
#[repr(C)]
struct Tickets {
    /// The ticket being served: the holder's ticket while the lock is held.
    serving: AtomicU32,
    /// The next ticket to hand out.
    next: AtomicU32,
}

/// A FIFO ticket lock on a cache-padded pair of counters.
#[derive(Debug, Default)]
#[repr(C)]
pub struct TicketLock {
    tickets: CachePadded<Tickets>,
}

// SAFETY: tickets are unique (`fetch_add`, or a CAS that takes the next ticket only if it is the one
// being served), and only the thread whose ticket equals `serving` proceeds; `serving` advances
// only in `unlock`, by the holder. Every acquisition includes an Acquire load of `serving` that
// reads the previous holder's Release store in `unlock` (in `lock`/`wait_for`, and in `try_lock`
// before its CAS, which succeeds only if no ticket was taken since that value was served). Every
// acquisition writes `next` (the `fetch_add`, or the successful CAS), on the line `is_locked`
// reads, and `next != serving` for the whole time a holder holds the lock.
unsafe impl RawLock for TicketLock {
    const NAME: &'static str = "ticket";
    /// The two counters, at offset 0 of the cache-padded field.
    const STATE_BYTES: usize = 8;

    fn new() -> Self {
        TicketLock::default()
    }

    #[inline]
    fn lock(&self) {
        // Relaxed: taking a ticket only reserves a place; the Acquire load of `serving` below is what
        // synchronizes with the previous holder.
        let ticket = self.tickets.next.fetch_add(1, Ordering::Relaxed);
        // Acquire: pairs with the Release store in `unlock` that hands the lock to `ticket`.
        if self.tickets.serving.load(Ordering::Acquire) != ticket {
            self.wait_for(ticket);
        }
    }

    #[inline]
    fn try_lock(&self) -> bool {
        // Acquire: pairs with the Release in `unlock`; seeing `serving == next` means the last
        // holder has released, and the CAS below then takes the next ticket only if nobody else has.
        let serving = self.tickets.serving.load(Ordering::Acquire);
        self.tickets
            .next
            // Relaxed on both outcomes: the Acquire load above already synchronized with the last
            // release; on failure nothing was acquired.
            .compare_exchange(
                serving,
                serving.wrapping_add(1),
                Ordering::Relaxed,
                Ordering::Relaxed,
            )
            .is_ok()
    }

    #[inline]
    unsafe fn unlock(&self) {
        // Relaxed load: only the holder writes `serving`, so it reads its own last value.
        let serving = self.tickets.serving.load(Ordering::Relaxed);
        // Release: pairs with the Acquire loads of the next ticket holder in `lock`/`wait_for`.
        self.tickets
            .serving
            .store(serving.wrapping_add(1), Ordering::Release);
    }

    #[inline]
    fn is_locked(&self) -> bool {
        // Acquire on `serving`: pairs with `unlock`'s Release, so seeing the lock free comes with the
        // last holder's writes. `next` is Relaxed: inside a transaction both loads form one snapshot;
        // outside, the answer is a hint either way.
        let serving = self.tickets.serving.load(Ordering::Acquire);
        let next = self.tickets.next.load(Ordering::Relaxed);
        next != serving
    }
}

impl TicketLock {
    #[cold]
    fn wait_for(&self, ticket: u32) {
        // Acquire: pairs with the Release store in `unlock` that serves `ticket`.
        spin_until(|| self.tickets.serving.load(Ordering::Acquire) == ticket);
    }
}
