//! Word-based software transactional memory and lock baselines.
