//! What the counts mean: the background error model, site tests, limits
//! of detection, the tumour fraction, and the panel of normals.
pub mod background;
pub mod call;
pub mod de_novo;
pub mod distributions;
pub mod pon;
pub mod tumour_fraction;
