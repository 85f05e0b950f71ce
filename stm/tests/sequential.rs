//! The sequential baseline's one-thread contract.

#![cfg(not(loom))]

use stm::Sequential;
use tm::{Abort, AbortCause, Backend, Handle, TWord, Tx, UserAbort};

#[test]
fn admits_one_handle_at_a_time() {
    let s = Sequential::new();
    assert_eq!(s.max_threads(), Some(1));
    let h = s.handle();
    let second = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        let _ = s.handle();
    }));
    let message = second.expect_err("a second live handle must be refused");
    let text = message
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| message.downcast_ref::<&str>().map(|s| s.to_string()))
        .unwrap_or_default();
    assert!(text.contains("admits one thread"), "message: {text}");
    drop(h);
    // Once the first is gone, a new one (possibly on another thread) is fine.
    std::thread::scope(|sc| {
        sc.spawn(|| drop(s.handle()));
    });
    let _again = s.handle();
}

#[test]
fn user_abort_before_any_write_is_clean() {
    let s = Sequential::new();
    let w = TWord::new(5);
    let mut h = s.handle();
    let r: Result<(), _> = h.atomically(|tx| {
        let v = tx.read(&w)?;
        if v == 5 {
            return Err(Abort::user(9));
        }
        tx.write(&w, 0)
    });
    assert_eq!(r, Err(UserAbort { code: 9 }));
    assert_eq!(w.load(), 5);
    let stats = h.stats();
    assert_eq!(stats.user_aborts, 1);
    assert_eq!(stats.explicit_codes[9], 1);
    assert_eq!(stats.aborts_of(AbortCause::Explicit), 1);
    assert!(stats.is_consistent());
    h.atomically(|tx| tx.write(&w, 6)).unwrap();
    assert_eq!(w.load(), 6);
    assert_eq!(h.stats().commits, 1);
}

#[test]
#[should_panic(expected = "cannot undo writes")]
fn user_abort_after_a_write_panics() {
    let s = Sequential::new();
    let w = TWord::new(5);
    let mut h = s.handle();
    let _ = h.atomically(|tx| {
        tx.write(&w, 1)?;
        Err::<(), _>(Abort::user(1))
    });
}
