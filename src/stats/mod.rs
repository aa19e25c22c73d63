//! What the counts mean: the background error model, site tests, limits
//! of detection and the tumour fraction.
pub mod background;
pub mod call;
pub mod de_novo;
pub mod distributions;
pub mod tumour_fraction;
