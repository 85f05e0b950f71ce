//! Each STM names the word a conflict abort happened on: here, a word read and then overwritten
//! by another handle's commit before the attempt could commit.

use tm::conflicts::WordCount;
use tm::sites::Attributed;
use tm::{AbortCause, Backend, Handle, TWord, Tx};

fn names_the_overwritten_word<B: Backend>(stm: &B) {
    let words: Vec<TWord> = (0..4).map(TWord::new).collect();
    let mut a = Attributed::new(stm.handle());
    let mut b = stm.handle();
    let mut attempts = 0;
    a.site("reader");
    a.atomically(|tx| {
        attempts += 1;
        let v = tx.read(&words[2])?;
        if attempts <= 2 {
            // Overwrite the word just read, from another handle.
            b.atomically(|t| t.write(&words[2], 100 + attempts))
                .unwrap();
        }
        tx.read(&words[1])?;
        tx.write(&words[3], v)
    })
    .unwrap();
    let conflicts = a.take_conflicts().expect("an STM records conflict words");
    let aborts = a.stats().aborts_of(AbortCause::ReadValidation)
        + a.stats().aborts_of(AbortCause::LockedAtRead)
        + a.stats().aborts_of(AbortCause::LockedAtCommit);
    assert!(aborts >= 1, "the overwrite must abort an attempt");
    assert_eq!(
        conflicts,
        [WordCount {
            site: Some("reader".to_string()),
            addr: Some(&words[2] as *const TWord as usize),
            count: aborts,
        }]
    );
}

#[test]
fn tl2_names_the_overwritten_word() {
    names_the_overwritten_word(&stm::Tl2::new());
}

#[test]
fn lsa_names_the_overwritten_word() {
    names_the_overwritten_word(&stm::Lsa::new());
}

#[test]
fn norec_names_the_overwritten_word() {
    names_the_overwritten_word(&stm::Norec::new());
}

#[test]
fn a_lock_has_no_conflict_log() {
    let lock = stm::GlobalLock::new();
    let h = lock.handle();
    assert!(h.conflicts().is_none());
}
