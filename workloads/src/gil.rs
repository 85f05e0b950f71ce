//! `gil`: an interpreter whose global lock is elided, a chunk of bytecodes per transaction.
//!
//! This is the setting of PyPy-STM and of GIL elision in Ruby (Odaira, Castanos and Tomari,
//! "Eliminating global interpreter locks in Ruby through hardware transactional memory", PPoPP
//! 2014): each thread interprets its own program, every bytecode updates the thread's own
//! interpreter state (a frame of `frame_words` words, of which each bytecode increments
//! `touch_words`, and the program counter), and with probability `shared_p` a bytecode also
//! increments a word of the interpreter's shared state (`shared_words` words, packed, like an
//! interpreter's globals and reference counts). Where a real interpreter holds the GIL around its
//! bytecodes, one transaction runs `chunk` bytecodes: a long chunk pays the begin and commit cost
//! rarely but is larger and meets more conflicts; a short one the opposite. That trade-off is what
//! `--chunk` sweeps.
//!
//! Each thread's own state lies in its own cache lines, so threads conflict only through the
//! shared words. The random choices of a chunk are drawn from a seed taken before the
//! transaction, so every attempt of a chunk replays the same bytecodes.
//!
//! Check, for every thread: its program counter equals `chunk` x its committed transactions, its
//! frame sums to `touch_words` x its program counter, and over all threads the shared words sum to
//! the shared increments the threads recorded (transactionally, in their own state).

use crate::slots::{Layout, Slots};
use crate::{Invalid, Workload};
use tm::rng::SplitMix64;
use tm::{Handle, TWord, Tx};

/// The longest chunk (bytecodes per transaction): 2^16.
pub const MAX_CHUNK: usize = 1 << 16;
/// The largest frame and shared state: 2^16 words.
pub const MAX_WORDS: usize = 1 << 16;
/// The most threads: 1024.
pub const MAX_THREADS: usize = 1024;

/// Parameters of the GIL workload.
#[derive(Clone, Copy, Debug, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(deny_unknown_fields))]
pub struct GilConfig {
    /// Bytecodes per transaction (`--chunk`).
    pub chunk: usize,
    /// Probability that a bytecode touches shared state (`--shared-p`, in `[0, 1]`).
    pub shared_p: f64,
    /// Words of shared interpreter state (`--shared-words`).
    pub shared_words: usize,
    /// Words of each thread's own state (`--frame-words`).
    pub frame_words: usize,
    /// Own-state words each bytecode increments (`--touch-words`, at most `frame_words`).
    pub touch_words: usize,
}

impl Default for GilConfig {
    fn default() -> Self {
        GilConfig {
            chunk: 16,
            shared_p: 0.01,
            shared_words: 64,
            frame_words: 16,
            touch_words: 2,
        }
    }
}

impl GilConfig {
    /// Checks every parameter.
    pub fn validate(&self) -> Result<(), Invalid> {
        Invalid::range("--chunk", self.chunk, 1, MAX_CHUNK)?;
        if !(0.0..=1.0).contains(&self.shared_p) {
            return Err(Invalid::new(
                "--shared-p",
                format!("{} is not a probability (accepted 0 to 1)", self.shared_p),
            ));
        }
        Invalid::range("--shared-words", self.shared_words, 1, MAX_WORDS)?;
        Invalid::range("--frame-words", self.frame_words, 1, MAX_WORDS)?;
        Invalid::range("--touch-words", self.touch_words, 1, self.frame_words)?;
        Ok(())
    }
}

/// Indices of a thread's bookkeeping words, after its frame.
const PC: usize = 0;
const SHARED_INCS: usize = 1;

/// One thread's interpreter state: its frame, then its program counter and shared-increment
/// count, in lines of its own.
#[derive(Debug)]
struct Interp {
    frame: Slots,
    books: Slots,
}

/// The GIL workload (see the module documentation).
#[derive(Debug)]
pub struct Gil {
    config: GilConfig,
    shared: Slots,
    threads: Vec<Interp>,
}

/// One thread's state outside transactional memory: its generator and committed transactions.
#[derive(Debug)]
pub struct GilThread {
    index: usize,
    rng: SplitMix64,
    committed: u64,
}

impl Gil {
    /// A fresh interpreter for `threads` threads (all state 0).
    pub fn new(config: &GilConfig, threads: usize) -> Result<Gil, Invalid> {
        config.validate()?;
        Invalid::range("--threads", threads, 1, MAX_THREADS)?;
        let interps = (0..threads)
            .map(|_| {
                Ok(Interp {
                    frame: Slots::new(config.frame_words, Layout::Packed, "--frame-words")?,
                    books: Slots::new(2, Layout::Packed, "--threads")?,
                })
            })
            .collect::<Result<_, Invalid>>()?;
        Ok(Gil {
            config: *config,
            shared: Slots::new(config.shared_words, Layout::Packed, "--shared-words")?,
            threads: interps,
        })
    }
}

/// Increments `w` inside a transaction.
#[inline]
fn bump<'a, T: Tx<'a>>(tx: &mut T, w: &'a TWord) -> Result<(), tm::Abort> {
    let v = tx.read(w)?;
    tx.write(w, v.wrapping_add(1))
}

impl Workload for Gil {
    type Thread = GilThread;

    fn thread(&self, index: usize, seed: u64) -> GilThread {
        assert!(
            index < self.threads.len(),
            "thread {index} has no interpreter"
        );
        GilThread {
            index,
            rng: SplitMix64::new(seed),
            committed: 0,
        }
    }

    #[inline]
    fn op<'a, H: Handle<'a>>(&'a self, h: &mut H, t: &mut GilThread) {
        let c = &self.config;
        let me = &self.threads[t.index];
        let chunk_seed = t.rng.next_u64();
        h.atomically(|tx| {
            let mut rng = SplitMix64::new(chunk_seed);
            let pc_word = me.books.get(PC);
            let pc = tx.read(pc_word)? as usize;
            let mut shared_incs = 0u64;
            for b in 0..c.chunk {
                let at = pc.wrapping_add(b).wrapping_mul(c.touch_words);
                for j in 0..c.touch_words {
                    bump(tx, me.frame.get((at + j) % c.frame_words))?;
                }
                if c.shared_p > 0.0 && rng.unit() < c.shared_p {
                    bump(
                        tx,
                        self.shared.get(rng.below(c.shared_words as u64) as usize),
                    )?;
                    shared_incs += 1;
                }
            }
            if shared_incs > 0 {
                let w = me.books.get(SHARED_INCS);
                let v = tx.read(w)?;
                tx.write(w, v.wrapping_add(shared_incs))?;
            }
            tx.write(pc_word, pc.wrapping_add(c.chunk) as u64)
        })
        .expect("interpreter chunks never cancel");
        t.committed += 1;
    }

    fn check(&self, threads: &[GilThread]) -> Result<(), String> {
        let c = &self.config;
        let mut shared_incs = 0u64;
        for t in threads {
            let me = &self.threads[t.index];
            let pc = me.books.get(PC).load();
            if pc != t.committed * c.chunk as u64 {
                return Err(format!(
                    "thread {}: program counter {pc} after {} committed chunks of {}",
                    t.index, t.committed, c.chunk
                ));
            }
            let frame = me.frame.sum();
            if frame != pc.wrapping_mul(c.touch_words as u64) {
                return Err(format!(
                    "thread {}: its frame sums to {frame}, but {pc} bytecodes of {} increments \
                     make {}",
                    t.index,
                    c.touch_words,
                    pc * c.touch_words as u64
                ));
            }
            shared_incs += me.books.get(SHARED_INCS).load();
        }
        let shared = self.shared.sum();
        if shared != shared_incs {
            return Err(format!(
                "the shared state sums to {shared}, but the threads recorded {shared_incs} \
                 shared increments"
            ));
        }
        Ok(())
    }
}
