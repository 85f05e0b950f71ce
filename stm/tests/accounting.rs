//! Cycle accounting is chosen per handle: counts only by default (no cycles), cycles on request.

use stm::{GlobalLock, Lsa, Norec, Sequential, Tl2};
use tm::{Abort, Accounting, Backend, Handle, TWord, Tx};

fn check<B: Backend>(backend: &B) {
    let w = TWord::new(0);
    for accounting in [Accounting::Counts, Accounting::Cycles] {
        let mut h = backend.handle_with(accounting);
        for _ in 0..100 {
            h.atomically(|tx| {
                let v = tx.read(&w)?;
                tx.write(&w, v + 1)
            })
            .unwrap();
        }
        let cancelled: Result<(), _> = h.atomically(|_| Err(Abort::user(1)));
        assert!(cancelled.is_err());
        let s = h.take_stats();
        let name = backend.info().name;
        assert_eq!(s.commits, 100, "{name}");
        assert!(s.is_consistent(), "{name}");
        match accounting {
            Accounting::Counts => assert_eq!(
                (s.committed_cycles, s.aborted_cycles),
                (0, 0),
                "{name} read the clock without cycle accounting"
            ),
            Accounting::Cycles => {
                assert!(s.committed_cycles > 0, "{name} counted no committed cycles")
            }
        }
    }
}

#[test]
fn every_backend_reads_the_clock_only_when_asked() {
    check(&Tl2::new());
    check(&Lsa::new());
    check(&Norec::new());
    check(&GlobalLock::new());
    check(&Sequential::new());
}
