//! A 4 KiB-aligned, pre-faulted block of memory, accessed one 64-bit word per line with volatile
//! loads and stores.
//!
//! Pre-faulting matters for RTM: the first touch of a page inside a transaction takes a page
//! fault, which aborts it with status 0. Writing every line once at allocation maps every page
//! (and breaks copy-on-write sharing of the zero page), so no transaction ever faults. Volatile
//! accesses are never elided, merged or reordered with each other by the compiler, so each
//! transaction performs exactly the loads and stores its specification names.

use super::layout::{LINE, Lines, PAGE};
use std::alloc::{Layout, alloc_zeroed, dealloc, handle_alloc_error};
use std::ptr::NonNull;

/// Owned, zeroed, 4 KiB-aligned memory whose every line has been written once.
pub(super) struct Region {
    base: NonNull<u8>,
    layout: Layout,
}

// SAFETY: `Region` exclusively owns its allocation (like a `Box<[u8]>`); nothing in it is tied to
// the thread that allocated it.
unsafe impl Send for Region {}

impl Region {
    /// Allocates `bytes` (rounded up to whole pages, at least one) and writes every line.
    pub(super) fn new(bytes: usize) -> Self {
        let bytes = bytes.max(1).next_multiple_of(PAGE);
        let layout = Layout::from_size_align(bytes, PAGE).expect("footprint buffer too large");
        // SAFETY: `layout` has a non-zero size.
        let base = NonNull::new(unsafe { alloc_zeroed(layout) })
            .unwrap_or_else(|| handle_alloc_error(layout));
        let region = Region { base, layout };
        for line in 0..bytes / LINE {
            region.store(line * LINE, 0);
        }
        region
    }

    /// The first byte.
    pub(super) fn base(&self) -> *mut u8 {
        self.base.as_ptr()
    }

    /// Size in bytes.
    pub(super) fn len(&self) -> usize {
        self.layout.size()
    }

    /// Loads the first word of the line at `offset`.
    ///
    /// Panics (in debug builds) unless `offset` is a line offset inside the region.
    #[inline(always)]
    pub(super) fn load(&self, offset: usize) -> u64 {
        debug_assert!(offset.is_multiple_of(LINE) && offset < self.len());
        // SAFETY: `offset` is inside the allocation (callers index it with layouts that the
        // buffer checked against `len()`), 8-aligned because the base is 4 KiB-aligned and
        // `offset` a multiple of 64, and the memory was initialized by `alloc_zeroed`.
        unsafe { self.base.as_ptr().add(offset).cast::<u64>().read_volatile() }
    }

    /// Stores `value` to the first word of the line at `offset`.
    #[inline(always)]
    pub(super) fn store(&self, offset: usize, value: u64) {
        debug_assert!(offset.is_multiple_of(LINE) && offset < self.len());
        // SAFETY: as in `load`; the region owns the memory and hands out no references into it,
        // so a store through the raw pointer aliases nothing.
        unsafe {
            self.base
                .as_ptr()
                .add(offset)
                .cast::<u64>()
                .write_volatile(value)
        }
    }

    /// Warms the lines of `lines`: a store to each (the line is then in L1 in the Modified state,
    /// with its translation in the TLB, as far as the caches hold them).
    #[inline]
    pub(super) fn warm<L: Lines>(&self, lines: &L) {
        for i in 0..lines.len() {
            let off = lines.offset(i);
            self.store(off, self.load(off));
        }
    }

    /// Flushes the lines of `lines` from every cache level (`clflush` each, then `mfence` so the
    /// flushes complete before anything that follows).
    #[inline]
    pub(super) fn flush<L: Lines>(&self, lines: &L) {
        #[cfg(target_arch = "x86_64")]
        {
            use core::arch::x86_64::{_mm_clflush, _mm_mfence};
            for i in 0..lines.len() {
                let off = lines.offset(i);
                debug_assert!(off < self.len());
                // SAFETY: `off` is inside the allocation (see `load`); `clflush` (SSE2, baseline
                // on x86-64) only evicts the line and never changes memory contents.
                unsafe { _mm_clflush(self.base.as_ptr().add(off)) };
            }
            // SAFETY: `mfence` (SSE2, baseline on x86-64) has no effect besides ordering.
            unsafe { _mm_mfence() };
        }
        #[cfg(not(target_arch = "x86_64"))]
        let _ = lines;
    }
}

impl Drop for Region {
    fn drop(&mut self) {
        // SAFETY: `base` was allocated by `alloc_zeroed` with exactly `layout`.
        unsafe { dealloc(self.base.as_ptr(), self.layout) }
    }
}

#[cfg(test)]
mod tests {
    use super::super::layout::Strided;
    use super::*;

    #[test]
    fn is_page_aligned_rounded_and_writable() {
        let r = Region::new(5000);
        assert_eq!(r.len(), 8192);
        assert_eq!(r.base.as_ptr() as usize % PAGE, 0);
        let lines = Strided {
            lines: r.len() / LINE,
            stride: LINE,
        };
        for i in 0..lines.lines {
            assert_eq!(r.load(lines.offset(i)), 0);
            r.store(lines.offset(i), i as u64);
        }
        r.warm(&lines);
        r.flush(&lines);
        for i in 0..lines.lines {
            assert_eq!(
                r.load(lines.offset(i)),
                i as u64,
                "warm and flush keep contents"
            );
        }
    }
}
