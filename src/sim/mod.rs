//! Synthetic cfDNA samples with known truth. (Being implemented.)
