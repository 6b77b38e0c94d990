//! Raw typed buffers: bytes plus a layout (dtype, byte order, shape, order).
