//! What a chart says about a run that did not finish: a title suffix and a caption line, so a
//! figure of an interrupted, killed or still-running run can never be mistaken for a complete
//! one. Built from the run's [`RunState`] alone, so every chart kind uses the same words.

use crate::plot::numfmt::thousands;
use crate::results::RunState;

/// The marks of a partial run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PartialNote {
    /// Appended to the title: ` [PARTIAL: interrupted]`.
    pub title_suffix: String,
    /// A caption line: what happened, how many rows there are, and how to finish the run.
    pub caption: String,
}

/// The note for a run in `state` with `rows` rows (of `planned`, when the plan's size is known in
/// advance); `resume` is the command that finishes it, when there is one. `None` for a complete
/// run.
pub fn note(
    state: RunState,
    rows: usize,
    planned: Option<u64>,
    resume: Option<&str>,
) -> Option<PartialNote> {
    let what = match state {
        RunState::Complete => return None,
        RunState::Interrupted => "interrupted".to_string(),
        RunState::Killed => "killed: status running, no live owner".to_string(),
        RunState::Running { .. } => format!("{} when drawn", state.word()),
    };
    let count = match planned {
        Some(p) => format!(
            "{} of {} planned rows",
            thousands(rows as u64),
            thousands(p)
        ),
        None => format!("{} rows", thousands(rows as u64)),
    };
    let how = match (state, resume) {
        (RunState::Running { .. }, _) | (_, None) => String::new(),
        (_, Some(cmd)) => format!("; finish it with {cmd}"),
    };
    Some(PartialNote {
        title_suffix: format!(" [PARTIAL: {}]", state.word()),
        caption: format!("PARTIAL RUN ({what}): {count}; curves end where the run stopped{how}"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_complete_runs_have_no_note() {
        assert_eq!(note(RunState::Complete, 10, Some(10), None), None);
        let n = note(
            RunState::Interrupted,
            40,
            Some(90),
            Some("tmlab sweep capacity --resume D"),
        )
        .unwrap();
        assert_eq!(n.title_suffix, " [PARTIAL: interrupted]");
        assert_eq!(
            n.caption,
            "PARTIAL RUN (interrupted): 40 of 90 planned rows; curves end where the run stopped; \
             finish it with tmlab sweep capacity --resume D"
        );
        let k = note(RunState::Killed, 1200, None, Some("x")).unwrap();
        assert!(
            k.caption.contains("killed: status running, no live owner")
                && k.caption.contains("1,200 rows")
        );
        let r = note(RunState::Running { pid: Some(7) }, 3, None, Some("x")).unwrap();
        assert!(
            r.caption.contains("still running (pid 7) when drawn") && !r.caption.contains("finish")
        );
    }
}
