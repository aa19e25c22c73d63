//! What the counts mean: the background error model, site tests, limits
//! of detection, the tumour fraction, the panel of normals, and the
//! matched normal's labels.
pub mod background;
pub mod call;
pub mod context;
pub mod de_novo;
pub mod distributions;
pub mod length;
pub mod normal;
pub mod pon;
pub mod tumour_fraction;
