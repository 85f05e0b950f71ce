//! Which measured points a chart joins with a line.
//!
//! A line between two markers says "the curve runs here", so it is only drawn where the sweep
//! measured a regular grid and both points are neighbours on it: a `--sizes`/`--cycles` list
//! whose values are evenly spaced (constant step, or constant ratio such as powers of two) and the
//! duration ladder (log-spaced by construction). Refined capacity curves (a coarse pass over
//! powers of two plus bisection points where the planner chose to look) and irregular lists are
//! drawn as markers only: joining 256 to 512 would show a gradual decline that was never
//! measured. A grid point that was never measured (a partial run, or a ladder that stopped)
//! breaks the line: only grid neighbours are joined, never points with a gap between them.

/// Whether `grid` (sorted, distinct) is evenly spaced: at least three values with a constant
/// difference, or a constant ratio (within 1 %, for lists of rounded values).
pub fn is_regular(grid: &[u64]) -> bool {
    if grid.len() < 3 {
        return false;
    }
    let step = grid[1] - grid[0];
    if grid.windows(2).all(|w| w[1] - w[0] == step) {
        return true;
    }
    let ratio = grid[1] as f64 / grid[0] as f64;
    grid.windows(2)
        .all(|w| ((w[1] as f64 / w[0] as f64) / ratio - 1.0).abs() < 0.01)
}

/// For measured values `xs` (sorted), whether to join `xs[i]` and `xs[i + 1]`: only when `grid`
/// is given and both are consecutive values of it. `None` draws markers only.
pub fn links(xs: &[u64], grid: Option<&[u64]>) -> Vec<bool> {
    let Some(grid) = grid else {
        return vec![false; xs.len().saturating_sub(1)];
    };
    let index = |x: u64| grid.binary_search(&x).ok();
    xs.windows(2)
        .map(|w| match (index(w[0]), index(w[1])) {
            (Some(a), Some(b)) => b == a + 1,
            _ => false,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn regular_grids() {
        assert!(is_regular(&[1, 2, 3, 4]));
        assert!(is_regular(&[16, 80, 144]));
        assert!(is_regular(&[1, 2, 4, 8, 16]));
        assert!(!is_regular(&[1, 2, 4, 16, 32, 48, 64]));
        assert!(!is_regular(&[1, 1000]), "two points are no grid");
    }

    #[test]
    fn only_grid_neighbours_are_joined() {
        let grid = [1, 2, 3, 4, 5];
        // 3 was never measured: no line from 2 to 4.
        assert_eq!(links(&[1, 2, 4, 5], Some(&grid)), [true, false, true]);
        assert_eq!(links(&[1, 2, 4], None), [false, false]);
        assert!(links(&[7], Some(&grid)).is_empty());
        // A value off the grid joins nothing.
        assert_eq!(links(&[1, 2, 9], Some(&grid)), [true, false]);
    }
}
