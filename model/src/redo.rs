//! Buffered writes: the speculative values of the lines a transaction wrote, published only by
//! a commit.
//!
//! One `LineWrite` per written line (the L1 slot of the line points at it), holding the
//! buffered value of each of the line's eight words that was written. A read of a written word
//! returns the buffered value; a commit stores every buffered word; an abort forgets them.
//! Nothing reaches memory before the point of no return, so a doomed or aborted transaction
//! never leaves a trace.

use tm::TWord;

/// Words per 64-byte line.
pub(crate) const WORDS_PER_LINE: usize = 8;

/// The buffered words of one written line.
#[derive(Clone, Copy)]
pub(crate) struct LineWrite<'m> {
    /// The words written, by offset in the line.
    pub(crate) words: [Option<&'m TWord>; WORDS_PER_LINE],
    /// Their buffered values.
    pub(crate) values: [u64; WORDS_PER_LINE],
}

impl<'m> LineWrite<'m> {
    /// A line with no word written yet.
    pub(crate) const EMPTY: LineWrite<'m> = LineWrite {
        words: [None; WORDS_PER_LINE],
        values: [0; WORDS_PER_LINE],
    };
}

/// The offset of `word` in its line.
#[inline(always)]
pub(crate) fn offset(addr: usize) -> usize {
    (addr >> 3) & (WORDS_PER_LINE - 1)
}
