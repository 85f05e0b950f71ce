//! `points.csv`: an append-only writer that flushes every row, and a typed reader.
//!
//! The writer creates the file with `create_new` (so it never overwrites), writes the header once
//! and then appends each row with one `write` call followed by `sync_data`: a SIGINT, a crash or a
//! `kill -9` can only lose the row being written, never tear an earlier one. When a run resumes,
//! [`PointsWriter::append_to`] verifies the header and drops an incomplete last line (one without
//! its newline, which only a process killed inside `write` can leave) before appending.

use super::ResultsError;
use super::rows::Record;
use std::fs::{File, OpenOptions};
use std::io::{Read, Write};
use std::marker::PhantomData;
use std::path::{Path, PathBuf};

/// Appends rows of type `R` to a `points.csv`.
pub struct PointsWriter<R> {
    file: File,
    path: PathBuf,
    _rows: PhantomData<fn(&R)>,
}

/// The header line of `R`, without its newline.
pub fn header<R: Record>() -> String {
    R::COLUMNS.join(",")
}

impl<R: Record> PointsWriter<R> {
    /// Creates a new `points.csv` holding only the header; fails if the file exists.
    pub fn create(path: &Path) -> Result<Self, ResultsError> {
        let mut file = OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(path)
            .map_err(ResultsError::io(path))?;
        let line = format!("{}\n", header::<R>());
        file.write_all(line.as_bytes())
            .and_then(|()| file.sync_data())
            .map_err(ResultsError::io(path))?;
        Ok(PointsWriter {
            file,
            path: path.to_path_buf(),
            _rows: PhantomData,
        })
    }

    /// Opens an existing `points.csv` for appending, after checking its header. Returns the writer
    /// and the number of bytes of an incomplete last line that were dropped (usually 0).
    pub fn append_to(path: &Path) -> Result<(Self, u64), ResultsError> {
        let mut file = OpenOptions::new()
            .read(true)
            .write(true)
            .open(path)
            .map_err(ResultsError::io(path))?;
        let mut text = Vec::new();
        file.read_to_end(&mut text)
            .map_err(ResultsError::io(path))?;
        let first = text.split(|&b| b == b'\n').next().unwrap_or(&[]);
        let found = String::from_utf8_lossy(first)
            .trim_end_matches('\r')
            .to_string();
        if found != header::<R>() {
            return Err(ResultsError::Header {
                path: path.to_path_buf(),
                found,
                expected: header::<R>(),
            });
        }
        let complete = text.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
        let dropped = (text.len() - complete) as u64;
        if dropped > 0 {
            file.set_len(complete as u64)
                .and_then(|()| file.sync_data())
                .map_err(ResultsError::io(path))?;
        }
        let file = OpenOptions::new()
            .append(true)
            .open(path)
            .map_err(ResultsError::io(path))?;
        let writer = PointsWriter {
            file,
            path: path.to_path_buf(),
            _rows: PhantomData,
        };
        Ok((writer, dropped))
    }

    /// Appends one row with a single write and flushes it to the disk.
    pub fn append(&mut self, row: &R) -> Result<(), ResultsError> {
        let mut w = csv::WriterBuilder::new()
            .has_headers(false)
            .from_writer(Vec::with_capacity(160));
        w.serialize(row).map_err(|e| ResultsError::Row {
            path: self.path.clone(),
            line: 0,
            message: format!("cannot encode a row: {e}"),
        })?;
        let bytes = w.into_inner().map_err(|e| ResultsError::Row {
            path: self.path.clone(),
            line: 0,
            message: format!("cannot encode a row: {e}"),
        })?;
        // Held off the abort-now path (see `crate::signals`): the row is written whole or not.
        let _whole = crate::signals::exclusive();
        self.file
            .write_all(&bytes)
            .and_then(|()| self.file.sync_data())
            .map_err(ResultsError::io(&self.path))
    }
}

/// Opens the per-point side file at `path` (`sites.csv`, `conflicts.csv`) for appending: creates
/// it for a new run; on resume keeps only the rows `of_recorded` accepts (those of points that
/// `points.csv` holds: a point's side rows are written before its point row, so a run stopped in
/// between leaves side rows of a point that will be measured again), rewritten atomically.
pub fn open_side_file<R: Record>(
    path: &Path,
    resume: bool,
    of_recorded: impl Fn(&R) -> bool,
) -> Result<PointsWriter<R>, ResultsError> {
    if !resume || !path.exists() {
        return PointsWriter::create(path);
    }
    let kept: Vec<R> = read_points_numbered::<R>(path)?
        .into_iter()
        .map(|(_, r)| r)
        .filter(|r| of_recorded(r))
        .collect();
    let partial = path.with_extension("csv.partial");
    let _ = std::fs::remove_file(&partial);
    let mut w = PointsWriter::create(&partial)?;
    for r in &kept {
        w.append(r)?;
    }
    drop(w);
    std::fs::rename(&partial, path).map_err(ResultsError::io(path))?;
    Ok(PointsWriter::append_to(path)?.0)
}

/// Reads every row of a `points.csv`, checking the header, every field and that the counts add up.
/// (Test-only: every reader of a run folder also checks the rows against the run's spec, with
/// [`super::validate::load_rows`].)
#[cfg(test)]
pub fn read_points<R: Record>(path: &Path) -> Result<Vec<R>, ResultsError> {
    Ok(read_points_numbered(path)?
        .into_iter()
        .map(|(_, r)| r)
        .collect())
}

/// `read_points`, each row with its 1-based line number (for messages that name the line).
pub fn read_points_numbered<R: Record>(path: &Path) -> Result<Vec<(u64, R)>, ResultsError> {
    let file = File::open(path).map_err(ResultsError::io(path))?;
    read_points_from(std::io::BufReader::new(file), path)
}

/// [`read_points_numbered`] from any reader (`path` names it in messages), for example the bytes
/// of a file already read.
pub fn read_points_from<R: Record>(
    input: impl Read,
    path: &Path,
) -> Result<Vec<(u64, R)>, ResultsError> {
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(true)
        .from_reader(input);
    let headers = rdr.headers().map_err(|e| csv_error(path, e))?.clone();
    let found = headers.iter().collect::<Vec<_>>().join(",");
    if found != header::<R>() {
        return Err(ResultsError::Header {
            path: path.to_path_buf(),
            found,
            expected: header::<R>(),
        });
    }
    let mut rows = Vec::new();
    let mut record = csv::StringRecord::new();
    loop {
        match rdr.read_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => return Err(csv_error(path, e)),
        }
        let line = record.position().map_or(0, |p| p.line());
        let row: R = record
            .deserialize(Some(&headers))
            .map_err(|e| ResultsError::Row {
                path: path.to_path_buf(),
                line,
                message: deserialize_message(&e),
            })?;
        row.check().map_err(|message| ResultsError::Row {
            path: path.to_path_buf(),
            line,
            message,
        })?;
        rows.push((line, row));
    }
    Ok(rows)
}

fn csv_error(path: &Path, e: csv::Error) -> ResultsError {
    let line = e.position().map_or(0, |p| p.line());
    match e.into_kind() {
        csv::ErrorKind::Io(cause) => ResultsError::Io {
            path: path.to_path_buf(),
            cause,
        },
        csv::ErrorKind::UnequalLengths {
            expected_len, len, ..
        } => ResultsError::Row {
            path: path.to_path_buf(),
            line,
            message: format!("{len} fields, expected {expected_len}"),
        },
        other => ResultsError::Row {
            path: path.to_path_buf(),
            line,
            message: format!("{other:?}"),
        },
    }
}

fn deserialize_message(e: &csv::Error) -> String {
    match e.kind() {
        csv::ErrorKind::Deserialize { err, .. } => match err.field() {
            Some(i) => format!("field {}: {}", i + 1, err.kind()),
            None => err.kind().to_string(),
        },
        other => format!("{other:?}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kernels::Tally;
    use crate::kernels::footprint::{Op, Pattern, Warmth};
    use crate::results::{CapacityRow, DurationRow};

    fn temp(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!(
            "tmlab-points-{name}-{}-{:?}",
            std::process::id(),
            std::thread::current().id()
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir.join("points.csv")
    }

    fn tally(attempts: u64, commits: u64) -> Tally {
        Tally {
            attempts,
            commits,
            capacity: attempts - commits - 1,
            status0: 1,
            ..Tally::default()
        }
    }

    #[test]
    fn capacity_rows_round_trip() {
        let path = temp("cap");
        let rows: Vec<CapacityRow> = (0..5)
            .map(|i| {
                CapacityRow::new(
                    [Op::Read, Op::Write, Op::Mixed][i % 3],
                    [Pattern::Seq, Pattern::Random, Pattern::SameSet][i % 3],
                    1 << i,
                    if i % 2 == 0 {
                        Warmth::Warm
                    } else {
                        Warmth::Cold
                    },
                    i as u32,
                    0xdead_beef,
                    &tally(100, 10 * i as u64),
                )
            })
            .collect();
        let mut w = PointsWriter::<CapacityRow>::create(&path).unwrap();
        for r in &rows[..3] {
            w.append(r).unwrap();
        }
        drop(w);
        let (mut w, dropped) = PointsWriter::<CapacityRow>::append_to(&path).unwrap();
        assert_eq!(dropped, 0);
        for r in &rows[3..] {
            w.append(r).unwrap();
        }
        assert_eq!(read_points::<CapacityRow>(&path).unwrap(), rows);
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.starts_with("op,pattern,lines,warm,rep,seed,attempts,commits,conflict,"));
        assert!(text.contains("\nmixed,same-set,4,warm,2,3735928559,100,20,0,79,0,0,0,0,1,0\n"));
        assert!(
            PointsWriter::<CapacityRow>::create(&path).is_err(),
            "never overwrites"
        );
    }

    #[test]
    fn duration_rows_round_trip_exactly() {
        let path = temp("dur");
        let rows: Vec<DurationRow> = (0..4)
            .map(|i| DurationRow::new(1000 << i, 2.994_123_7e9, i, 7, &tally(50, 40)))
            .collect();
        let mut w = PointsWriter::<DurationRow>::create(&path).unwrap();
        rows.iter().for_each(|r| w.append(r).unwrap());
        assert_eq!(read_points::<DurationRow>(&path).unwrap(), rows);
    }

    #[test]
    fn a_torn_last_line_is_dropped_before_appending() {
        let path = temp("torn");
        let row = DurationRow::new(100, 1e9, 0, 1, &tally(10, 5));
        let mut w = PointsWriter::<DurationRow>::create(&path).unwrap();
        w.append(&row).unwrap();
        drop(w);
        let mut f = OpenOptions::new().append(true).open(&path).unwrap();
        f.write_all(b"200,0.2,0,1,10").unwrap();
        drop(f);
        assert!(read_points::<DurationRow>(&path).is_err());
        let (_w, dropped) = PointsWriter::<DurationRow>::append_to(&path).unwrap();
        assert_eq!(dropped, 14);
        assert_eq!(read_points::<DurationRow>(&path).unwrap(), vec![row]);
    }

    #[test]
    fn malformed_files_name_file_and_line() {
        let path = temp("bad");
        let h = header::<CapacityRow>();
        let cases = [
            (
                format!(
                    "{h}\nwrite,seq,4,warm,0,1,10,5,0,5,0,0,0,0,0,0\nwrite,seq,x,warm,0,1,10,5,0,5,0,0,0,0,0,0\n"
                ),
                "line 3: field 3",
            ),
            (
                format!("{h}\nwrite,seq,4,warm,0,1,10,5,0,4,0,0,0,0,0,0\n"),
                "line 2: commits (5) + aborts (4) != attempts (10)",
            ),
            (
                format!("{h}\nwrite,seq,4,warm,0\n"),
                "line 2: 5 fields, expected 16",
            ),
            (
                format!("{h}\nwrite,diagonal,4,warm,0,1,10,5,0,5,0,0,0,0,0,0\n"),
                "line 2: unknown variant `diagonal`",
            ),
            ("lines,op\n".to_string(), "line 1: unexpected header"),
        ];
        for (text, want) in cases {
            std::fs::write(&path, text).unwrap();
            let msg = read_points::<CapacityRow>(&path).unwrap_err().to_string();
            assert!(msg.contains("points.csv"), "{msg}");
            assert!(msg.contains(want), "{msg:?} lacks {want:?}");
        }
    }
}
