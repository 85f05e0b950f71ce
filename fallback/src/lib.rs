//! HTM backends with a fallback path.
