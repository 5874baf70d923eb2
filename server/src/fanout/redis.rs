//! Scale-out fan-out over Redis (not written yet: see issue 4).
