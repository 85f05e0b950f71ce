//! The capacity model: which lines a transaction holds, and when it overflows.
//!
//! Per thread, private, reused across transactions (nothing is freed or cleared line by line:
//! each structure is stamped with a transaction epoch, and ending a transaction bumps it).
//!
//! - `L1`: `sets x ways` line slots; a line goes to set `line % sets` (line = address >> 6),
//!   the real L1D index. Each slot holds a line and whether it was written.
//! - `LineSet`: the secondary read structure, an exact set of the read lines that did not fit
//!   in their L1 set, with its capacity in lines.
//!
//! Eviction rule (what happens when a line's set is full):
//!
//! - a written line is never evicted (its speculative value lives only in L1);
//! - a new **read** line goes to the secondary structure (the read lines already in the set
//!   stay: the model does not keep recency);
//! - a new **written** line (or a read line becoming written) takes the slot of the set's first
//!   read line, which moves to the secondary structure; if every line of the set is written,
//!   the transaction aborts with CAPACITY;
//! - a line entering the secondary structure when it already holds its capacity aborts with
//!   CAPACITY. A line read into the secondary structure and written later also takes an L1
//!   slot, and stays counted in the secondary structure (a Bloom filter cannot forget).
//!
//! So sequential distinct lines fit exactly `sets x ways` writes, and `sets x ways +
//! secondary` reads; lines that map to one set (4 KiB apart with 64 sets) fit exactly `ways`
//! writes.

/// What [`L1::lookup`] found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Lookup {
    /// Not in L1.
    Miss,
    /// In slot `usize`, read only.
    Read(usize),
    /// In slot `usize`, written.
    Written(usize),
}

/// Where a written line was placed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Placed {
    /// The line's slot.
    pub(crate) slot: usize,
    /// A read line displaced to the secondary structure to make room.
    pub(crate) evicted: Option<u64>,
}

/// Every line of the set is written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct SetFull;

/// The L1D model (see the module documentation).
pub(crate) struct L1 {
    ways: usize,
    set_mask: u64,
    epoch: u32,
    /// Per set: the epoch its `len` belongs to.
    set_epoch: Box<[u32]>,
    /// Per set: lines held this epoch.
    len: Box<[u16]>,
    /// Per slot (`set * ways + way`): `line << 1 | written`.
    slots: Box<[u64]>,
}

impl L1 {
    /// An empty L1 of `sets` (a power of two) by `ways`.
    pub(crate) fn new(sets: usize, ways: usize) -> L1 {
        debug_assert!(sets.is_power_of_two() && ways >= 1 && ways <= u16::MAX as usize);
        L1 {
            ways,
            set_mask: sets as u64 - 1,
            epoch: 1,
            set_epoch: vec![0; sets].into_boxed_slice(),
            len: vec![0; sets].into_boxed_slice(),
            slots: vec![0; sets * ways].into_boxed_slice(),
        }
    }

    /// Slots in all.
    pub(crate) fn capacity(&self) -> usize {
        self.slots.len()
    }

    #[inline(always)]
    fn set_of(&self, line: u64) -> usize {
        (line & self.set_mask) as usize
    }

    /// The live lines of `set`.
    #[inline(always)]
    fn live(&self, set: usize) -> usize {
        if self.set_epoch[set] == self.epoch {
            usize::from(self.len[set])
        } else {
            0
        }
    }

    /// Where `line` is.
    #[inline]
    pub(crate) fn lookup(&self, line: u64) -> Lookup {
        let set = self.set_of(line);
        let base = set * self.ways;
        for slot in base..base + self.live(set) {
            let s = self.slots[slot];
            if s >> 1 == line {
                return if s & 1 == 1 {
                    Lookup::Written(slot)
                } else {
                    Lookup::Read(slot)
                };
            }
        }
        Lookup::Miss
    }

    /// Appends `entry` to `set` if there is room.
    #[inline]
    fn push(&mut self, set: usize, entry: u64) -> Option<usize> {
        let n = self.live(set);
        if n == self.ways {
            return None;
        }
        let slot = set * self.ways + n;
        self.slots[slot] = entry;
        self.set_epoch[set] = self.epoch;
        self.len[set] = (n + 1) as u16;
        Some(slot)
    }

    /// Places a new read line (known to be a miss); `None` if its set is full.
    #[inline]
    pub(crate) fn insert_read(&mut self, line: u64) -> Option<usize> {
        self.push(self.set_of(line), line << 1)
    }

    /// Places a new written line (known to be a miss), displacing a read line if needed.
    #[inline]
    pub(crate) fn insert_write(&mut self, line: u64) -> Result<Placed, SetFull> {
        let set = self.set_of(line);
        if let Some(slot) = self.push(set, (line << 1) | 1) {
            return Ok(Placed {
                slot,
                evicted: None,
            });
        }
        let base = set * self.ways;
        for slot in base..base + self.ways {
            let s = self.slots[slot];
            if s & 1 == 0 {
                self.slots[slot] = (line << 1) | 1;
                return Ok(Placed {
                    slot,
                    evicted: Some(s >> 1),
                });
            }
        }
        Err(SetFull)
    }

    /// Marks the read line in `slot` as written.
    #[inline]
    pub(crate) fn upgrade(&mut self, slot: usize) {
        self.slots[slot] |= 1;
    }

    /// Forgets every line.
    #[inline]
    pub(crate) fn clear(&mut self) {
        self.epoch = self.epoch.wrapping_add(1);
        if self.epoch == 0 {
            // After 2^32 transactions: reset the stamps so no stale set looks live.
            self.set_epoch.fill(0);
            self.epoch = 1;
        }
    }
}

/// The secondary read structure: an exact, epoch-stamped open-addressing set of lines.
pub(crate) struct LineSet {
    capacity: u64,
    epoch: u32,
    len: u64,
    /// `(line, epoch)`; a slot is live when its epoch is the current one.
    table: Vec<(u64, u32)>,
}

/// The structure is full.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Overflow;

impl LineSet {
    /// An empty set admitting `capacity` lines (the table grows on demand).
    pub(crate) fn new(capacity: u64) -> LineSet {
        LineSet {
            capacity,
            epoch: 1,
            len: 0,
            table: Vec::new(),
        }
    }

    /// Lines held.
    #[inline(always)]
    pub(crate) fn len(&self) -> u64 {
        self.len
    }

    #[inline(always)]
    fn home(&self, line: u64) -> usize {
        let mask = self.table.len() - 1;
        (line.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 20) as usize & mask
    }

    /// Whether `line` is held.
    #[inline]
    pub(crate) fn contains(&self, line: u64) -> bool {
        if self.len == 0 {
            return false;
        }
        let mask = self.table.len() - 1;
        let mut i = self.home(line);
        loop {
            let (l, e) = self.table[i];
            if e != self.epoch {
                return false;
            }
            if l == line {
                return true;
            }
            i = (i + 1) & mask;
        }
    }

    /// Adds `line` (known not to be held); `Err` if that would exceed the capacity.
    pub(crate) fn insert(&mut self, line: u64) -> Result<(), Overflow> {
        if self.len >= self.capacity {
            return Err(Overflow);
        }
        if (self.len + 1) * 2 > self.table.len() as u64 {
            self.grow();
        }
        let mask = self.table.len() - 1;
        let mut i = self.home(line);
        while self.table[i].1 == self.epoch {
            i = (i + 1) & mask;
        }
        self.table[i] = (line, self.epoch);
        self.len += 1;
        Ok(())
    }

    /// Doubles the table (at least 64 slots), keeping the live lines. Only while the largest
    /// transaction so far grows: the steady state allocates nothing.
    #[cold]
    fn grow(&mut self) {
        let size = (self.table.len() * 2).max(64);
        let old = core::mem::replace(&mut self.table, vec![(0, 0); size]);
        let live = self.epoch;
        self.epoch = 1;
        self.len = 0;
        for (line, e) in old {
            if e == live {
                self.insert(line)
                    .expect("growing keeps the lines within capacity");
            }
        }
    }

    /// Forgets every line.
    #[inline]
    pub(crate) fn clear(&mut self) {
        if self.len == 0 {
            return;
        }
        self.len = 0;
        self.epoch = self.epoch.wrapping_add(1);
        if self.epoch == 0 {
            self.table.fill((0, 0));
            self.epoch = 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_set_holds_ways_writes_and_displaces_reads_for_them() {
        let mut l1 = L1::new(4, 2);
        // Lines 0, 4, 8 map to set 0.
        assert_eq!(l1.insert_read(0), Some(0));
        assert_eq!(l1.insert_read(4), Some(1));
        assert_eq!(l1.insert_read(8), None, "set full: goes to the secondary");
        assert_eq!(l1.lookup(4), Lookup::Read(1));
        let p = l1.insert_write(12).unwrap();
        assert_eq!(
            p,
            Placed {
                slot: 0,
                evicted: Some(0)
            }
        );
        assert_eq!(l1.lookup(0), Lookup::Miss);
        l1.upgrade(1);
        assert_eq!(l1.lookup(4), Lookup::Written(1));
        assert_eq!(l1.insert_write(16), Err(SetFull));
        // Other sets are independent.
        assert!(l1.insert_write(1).is_ok());
        l1.clear();
        assert_eq!(l1.lookup(12), Lookup::Miss);
        assert_eq!(l1.insert_write(16).unwrap().slot, 0);
    }

    #[test]
    fn line_set_is_exact_bounded_and_cleared_by_epoch() {
        let mut s = LineSet::new(1000);
        for l in 0..1000u64 {
            assert!(!s.contains(l * 7));
            s.insert(l * 7).unwrap();
        }
        assert_eq!(s.insert(1), Err(Overflow));
        assert!((0..1000u64).all(|l| s.contains(l * 7)));
        assert!(!s.contains(3));
        s.clear();
        assert_eq!(s.len(), 0);
        assert!(!s.contains(7));
        let size = s.table.len();
        for l in 0..1000u64 {
            s.insert(l + 5000).unwrap();
        }
        assert_eq!(s.table.len(), size, "no growth once grown");
        assert!(s.contains(5999) && !s.contains(0));
    }
}
