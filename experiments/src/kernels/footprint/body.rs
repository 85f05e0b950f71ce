//! The body of a footprint transaction, written in assembly so that it touches nothing but its
//! footprint.
//!
//! A capacity measurement is only as good as its claim that the transaction's write set *is*
//! the footprint. Compiled Rust cannot promise that: with a few values live the compiler keeps
//! the loop state in registers, but it may spill one (an unrolled loop's remainder count, say)
//! and reload it from the stack inside the transaction. That stack line sits in one of the L1's
//! 64 sets; when the footprint fills that set, the line is evicted, and reloading it must then
//! evict a line of the write set: the transaction aborts with CAPACITY one set early. The
//! measured write capacity then depends on where the stack lies (address randomization), so
//! the same machine reads 703 to 742 lines where the hardware holds 768 (measured on an Intel
//! KVM guest with a 48 KiB 12-way L1D, against `tools/rtm-ref`, which keeps everything in
//! registers).
//!
//! So each [`Body`] runs as one `asm!` block: `xbegin`, a load loop over its first lines, a
//! store loop over the rest, `xend`, with every operand in a register. An abort resumes at a
//! label inside the same block. The same loops also run without `xbegin`/`xend`
//! (`Body::run_plain`), which is how tests without RTM check that the loops touch exactly the
//! lines they should.

use super::layout::LINE;
use super::region::Region;
use htm::{AbortStatus, Rtm};

/// Where the lines are: computed from a stride, or listed.
#[derive(Clone, Copy, Debug)]
enum Placement<'a> {
    /// Line `i` at byte `i * stride`.
    Strided { stride: usize },
    /// Line `i` at byte `64 * list[i]`.
    Listed { list: &'a [u32] },
}

/// One footprint transaction's accesses: loads from its first `loads` lines, then stores of
/// `value` to the next `stores` lines, every access the first word of its line.
#[derive(Clone, Copy)]
pub struct Body<'a> {
    region: &'a Region,
    lines: Placement<'a>,
    loads: usize,
    stores: usize,
}

impl<'a> Body<'a> {
    /// `loads + stores` lines at a stride of `stride` bytes from the start of `region`.
    ///
    /// # Panics
    /// If a line falls outside `region` or `stride` is not a multiple of 64.
    pub(super) fn strided(region: &'a Region, stride: usize, loads: usize, stores: usize) -> Self {
        let n = loads + stores;
        assert!(
            stride.is_multiple_of(LINE),
            "stride {stride} is not whole lines"
        );
        assert!(
            n == 0
                || (n - 1)
                    .checked_mul(stride)
                    .is_some_and(|o| o < region.len()),
            "{n} lines at a stride of {stride} exceed the region"
        );
        Body {
            region,
            lines: Placement::Strided { stride },
            loads,
            stores,
        }
    }

    /// The lines of `list` (line numbers), the first `loads` of them loaded, the rest stored to.
    ///
    /// # Panics
    /// If a listed line falls outside `region`, or `loads > list.len()`.
    pub(super) fn listed(region: &'a Region, list: &'a [u32], loads: usize) -> Self {
        assert!(loads <= list.len(), "more loads than listed lines");
        let lines = region.len() / LINE;
        assert!(
            list.iter().all(|&l| (l as usize) < lines),
            "a listed line exceeds the region of {lines} lines"
        );
        Body {
            region,
            lines: Placement::Listed { list },
            loads,
            stores: list.len() - loads,
        }
    }

    /// Runs the body as one transaction: `Ok` with the wrapping sum of the loaded words if it
    /// committed, or the abort status. Nothing but the footprint (and, for listed lines, the
    /// list) is accessed between `xbegin` and `xend`.
    #[inline]
    pub fn run_in_transaction(&self, _proof: Rtm, value: u64) -> Result<u64, AbortStatus> {
        let (sum, status) = self.run::<true>(value);
        if status == htm::intrinsics::_XBEGIN_STARTED {
            Ok(sum)
        } else {
            Err(AbortStatus::from_raw(status))
        }
    }

    /// Calls `access(offset, load)` for every access of the body in order (loads first, then
    /// stores; `offset` in bytes from the start of the region), stopping at the first `Err`:
    /// the footprint as data, for a modelled HTM that performs the accesses itself.
    pub fn try_each_access<E>(
        &self,
        mut access: impl FnMut(usize, bool) -> Result<(), E>,
    ) -> Result<(), E> {
        let offset = |i: usize| match self.lines {
            Placement::Strided { stride } => i * stride,
            Placement::Listed { list } => list[i] as usize * LINE,
        };
        (0..self.loads + self.stores).try_for_each(|i| access(offset(i), i < self.loads))
    }

    /// The size of the region the body's offsets lie in, in bytes.
    pub fn region_len(&self) -> usize {
        self.region.len()
    }

    /// Runs the same loops outside any transaction and returns the wrapping sum of the loaded
    /// words (for tests, under stand-ins of [`Rtm`]).
    #[cfg(test)]
    pub(crate) fn run_plain(&self, value: u64) -> u64 {
        self.run::<false>(value).0
    }

    /// The loops, inside a transaction when `TX`. Returns the sum and the EAX status
    /// (`_XBEGIN_STARTED` when the transaction committed, or when `!TX`).
    ///
    /// Only [`Body::run_in_transaction`] instantiates `TX = true`, with an [`Rtm`] token in hand.
    #[inline(always)]
    fn run<const TX: bool>(&self, value: u64) -> (u64, u32) {
        let base = self.region.base();
        let (mut sum, mut status) = (0u64, htm::intrinsics::_XBEGIN_STARTED);
        match self.lines {
            Placement::Strided { stride } => {
                // SAFETY: the constructor checked that every line `i < loads + stores` lies at
                // `base + i * stride` inside the region, which owns that memory, is 8-aligned at
                // line offsets and hands out no references into it (see `Region::load`). The
                // loops access exactly those first words. When `TX`, `run_in_transaction`
                // holds an `Rtm` token, so `xbegin`/`xend` cannot raise #UD; the transaction
                // starts and ends inside this block, and an abort resumes at label 3, also
                // inside it, with every register restored and every store discarded, a state
                // the block could have reached without running the loops. No stack is used.
                #[cfg(target_arch = "x86_64")]
                unsafe {
                    core::arch::asm!(
                        ".if {tx}",
                        "xbegin 3f",
                        ".endif",
                        "test {loads}, {loads}",
                        "jz 5f",
                        "4:",
                        "add {sum}, qword ptr [{p}]",
                        "add {p}, {stride}",
                        "dec {loads}",
                        "jnz 4b",
                        "5:",
                        "test {stores}, {stores}",
                        "jz 7f",
                        "6:",
                        "mov qword ptr [{p}], {value}",
                        "add {p}, {stride}",
                        "dec {stores}",
                        "jnz 6b",
                        "7:",
                        ".if {tx}",
                        "xend",
                        ".endif",
                        "3:",
                        tx = const TX as u8,
                        p = inout(reg) base => _,
                        stride = in(reg) stride,
                        loads = inout(reg) self.loads => _,
                        stores = inout(reg) self.stores => _,
                        value = in(reg) value,
                        sum = inout(reg) sum,
                        inout("eax") status,
                        options(nostack),
                    );
                }
                #[cfg(not(target_arch = "x86_64"))]
                for i in 0..self.loads + self.stores {
                    sum = self.access(i * stride, i < self.loads, value, sum);
                }
            }
            Placement::Listed { list } => {
                // SAFETY: as above; the constructor checked that every listed line lies inside
                // the region, and `list` is a live slice of `loads + stores` u32s, read in order.
                #[cfg(target_arch = "x86_64")]
                unsafe {
                    core::arch::asm!(
                        ".if {tx}",
                        "xbegin 3f",
                        ".endif",
                        "test {loads}, {loads}",
                        "jz 5f",
                        "4:",
                        "mov {t:e}, dword ptr [{list}]",
                        "shl {t}, 6",
                        "add {sum}, qword ptr [{base} + {t}]",
                        "add {list}, 4",
                        "dec {loads}",
                        "jnz 4b",
                        "5:",
                        "test {stores}, {stores}",
                        "jz 7f",
                        "6:",
                        "mov {t:e}, dword ptr [{list}]",
                        "shl {t}, 6",
                        "mov qword ptr [{base} + {t}], {value}",
                        "add {list}, 4",
                        "dec {stores}",
                        "jnz 6b",
                        "7:",
                        ".if {tx}",
                        "xend",
                        ".endif",
                        "3:",
                        tx = const TX as u8,
                        base = in(reg) base,
                        list = inout(reg) list.as_ptr() => _,
                        t = out(reg) _,
                        loads = inout(reg) self.loads => _,
                        stores = inout(reg) self.stores => _,
                        value = in(reg) value,
                        sum = inout(reg) sum,
                        inout("eax") status,
                        options(nostack),
                    );
                }
                #[cfg(not(target_arch = "x86_64"))]
                for (i, &l) in list.iter().enumerate() {
                    sum = self.access(l as usize * LINE, i < self.loads, value, sum);
                }
            }
        }
        (sum, status)
    }

    /// One access of the portable loops (no RTM exists off x86-64, so they never run in a
    /// transaction).
    #[cfg(not(target_arch = "x86_64"))]
    fn access(&self, offset: usize, load: bool, value: u64, sum: u64) -> u64 {
        if load {
            sum.wrapping_add(self.region.load(offset))
        } else {
            self.region.store(offset, value);
            sum
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A region whose line `l` holds `l`.
    fn numbered(lines: usize) -> Region {
        let r = Region::new(lines * LINE);
        for l in 0..lines {
            r.store(l * LINE, l as u64);
        }
        r
    }

    #[test]
    fn loads_sum_their_lines_and_stores_write_the_rest() {
        let r = numbered(64);
        // Lines 0, 2, ..., 18 loaded; 20, 22, ..., 38 stored to.
        let sum = Body::strided(&r, 2 * LINE, 10, 10).run_plain(7);
        assert_eq!(sum, (0..10).map(|i| 2 * i).sum::<u64>());
        for l in 0..64 {
            let stored = (20..40).contains(&l) && l % 2 == 0;
            assert_eq!(
                r.load(l * LINE),
                if stored { 7 } else { l as u64 },
                "line {l}"
            );
        }
        let list = [5, 63, 1, 9];
        assert_eq!(Body::listed(&r, &list, 2).run_plain(100), 5 + 63);
        assert_eq!((r.load(LINE), r.load(9 * LINE)), (100, 100));
        assert_eq!(Body::strided(&r, LINE, 0, 0).run_plain(1), 0);
    }

    #[test]
    fn the_access_list_is_the_loops_accesses_in_order() {
        let r = Region::new(64 * LINE);
        let all = |b: &Body<'_>| {
            let mut v = Vec::new();
            b.try_each_access(|o, load| {
                v.push((o, load));
                Ok::<(), ()>(())
            })
            .unwrap();
            v
        };
        let strided = Body::strided(&r, 2 * LINE, 2, 1);
        assert_eq!(all(&strided), [(0, true), (128, true), (256, false)]);
        let list = [5, 63, 1];
        assert_eq!(
            all(&Body::listed(&r, &list, 1)),
            [(5 * LINE, true), (63 * LINE, false), (LINE, false)]
        );
        // The first error stops the walk.
        let mut seen = 0;
        let stopped = strided.try_each_access(|_, _| {
            seen += 1;
            if seen == 2 { Err(seen) } else { Ok(()) }
        });
        assert_eq!((stopped, seen), (Err(2), 2));
    }

    #[test]
    #[should_panic(expected = "exceed the region")]
    fn strided_lines_beyond_the_region_are_refused() {
        let r = Region::new(4096);
        Body::strided(&r, LINE, 32, 33);
    }

    #[test]
    #[should_panic(expected = "exceeds the region")]
    fn listed_lines_beyond_the_region_are_refused() {
        let r = Region::new(4096);
        Body::listed(&r, &[0, 64], 0);
    }
}
