//! JSON output: arrays as nested JSON arrays, the form [`from_str`](super::from_str) reads.
//!
//! Each axis becomes one level of nesting, in logical (C) order whatever the array's memory
//! order; a 0-d array is a bare value. Integers and booleans are written exactly; floats are
//! written with the shortest text that reads back to the same value (`f16` through its exact
//! `f32` value). A complex number is a two-element array `[re, im]`.
//!
//! JSON has no NaN or infinity: by default such a value is [`ErrorKind::NotRepresentable`];
//! [`WriteOptions::allow_nan`] writes the tokens `NaN`, `Infinity` and `-Infinity`, as
//! Python's `json.dumps` does.

use std::io::Write;

use crate::array::{with_array, Array, DynArray};
use crate::dtype::Element;
use crate::error::{Error, ErrorKind, Result};

use super::number::FromJson;

/// Options for JSON output.
#[derive(Clone, Copy, Debug, Default)]
pub struct WriteOptions {
    allow_nan: bool,
}

impl WriteOptions {
    /// Strict JSON: non-finite floats are an error.
    pub fn new() -> Self {
        Self::default()
    }

    /// Writes non-finite floats as `NaN`, `Infinity`, `-Infinity` (not valid JSON, but read
    /// by Python and many others). Defaults to `false`.
    pub fn allow_nan(mut self, allow: bool) -> Self {
        self.allow_nan = allow;
        self
    }
}

/// Writes a [`DynArray`] as nested JSON arrays, strictly (see the module docs).
///
/// # Errors
///
/// [`ErrorKind::NotRepresentable`] for a non-finite float; [`ErrorKind::Io`] when writing fails.
pub fn to_writer<W: Write>(writer: W, array: &DynArray) -> Result<()> {
    to_writer_with_options(writer, array, WriteOptions::new())
}

/// Writes a [`DynArray`] as nested JSON arrays with `options`.
///
/// # Errors
///
/// As [`to_writer`].
pub fn to_writer_with_options<W: Write>(
    writer: W,
    array: &DynArray,
    options: WriteOptions,
) -> Result<()> {
    with_array!(array, a => write_array(writer, a, options))
}

/// Writes one typed array as nested JSON arrays.
///
/// # Errors
///
/// As [`to_writer`].
pub fn write_array<T: JsonValue, W: Write>(
    mut writer: W,
    array: &Array<T>,
    options: WriteOptions,
) -> Result<()> {
    let dims = array.shape().dims();
    let mut index = vec![0usize; dims.len()];
    let mut text = String::new();
    if array.is_empty() {
        // Any zero axis: write the nesting down to it, e.g. (2, 0) -> [[],[]].
        write_empty(&mut text, dims);
        writer.write_all(text.as_bytes())?;
        return Ok(());
    }
    for _ in 0..dims.len() {
        text.push('[');
    }
    loop {
        let value = array.get(&index).copied().unwrap_or_default();
        value.write_json(&mut text, options)?;
        // Advance the index odometer, closing and opening brackets as axes roll over.
        let mut axis = dims.len();
        let mut closed = 0;
        loop {
            if axis == 0 {
                writer.write_all(text.as_bytes())?;
                return Ok(());
            }
            axis -= 1;
            index[axis] += 1;
            if index[axis] < dims[axis] {
                break;
            }
            index[axis] = 0;
            closed += 1;
            text.push(']');
        }
        text.push(',');
        for _ in 0..closed {
            text.push('[');
        }
        if text.len() > 1 << 16 {
            writer.write_all(text.as_bytes())?;
            text.clear();
        }
    }
}

fn write_empty(text: &mut String, dims: &[usize]) {
    match dims.split_first() {
        None => {}
        Some((&0, _)) => text.push_str("[]"),
        Some((&n, rest)) => {
            text.push('[');
            for i in 0..n {
                if i > 0 {
                    text.push(',');
                }
                write_empty(text, rest);
            }
            text.push(']');
        }
    }
}

/// An [`Element`] that can be written as a JSON value and read from one: every element type.
///
/// The reading side is sealed (its methods are private to arrayguard).
pub trait JsonValue: Element + FromJson {
    /// Appends the JSON text of `self` to `out`.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::NotRepresentable`] for a non-finite float unless `options` allows it.
    fn write_json(self, out: &mut String, options: WriteOptions) -> Result<()>;
}

fn write_float(
    out: &mut String,
    text: Option<&str>,
    value: f64,
    options: WriteOptions,
) -> Result<()> {
    if let Some(text) = text {
        out.push_str(text);
        return Ok(());
    }
    if !options.allow_nan {
        return Err(Error::from(ErrorKind::NotRepresentable {
            reason: format!(
                "{value} has no JSON representation (allow NaN and infinity to write it)"
            )
            .into_boxed_str(),
        }));
    }
    out.push_str(if value.is_nan() {
        "NaN"
    } else if value > 0.0 {
        "Infinity"
    } else {
        "-Infinity"
    });
    Ok(())
}

macro_rules! json_int {
    ($($t:ty),*) => {$(
        impl JsonValue for $t {
            fn write_json(self, out: &mut String, _: WriteOptions) -> Result<()> {
                use std::fmt::Write as _;
                // Writing to a String cannot fail.
                let _ = write!(out, "{self}");
                Ok(())
            }
        }
    )*};
}
json_int!(bool, i8, i16, i32, i64, u8, u16, u32, u64);

impl JsonValue for f64 {
    fn write_json(self, out: &mut String, options: WriteOptions) -> Result<()> {
        let mut buf = ryu::Buffer::new();
        let text = self.is_finite().then(|| buf.format_finite(self));
        write_float(out, text, self, options)
    }
}

impl JsonValue for f32 {
    fn write_json(self, out: &mut String, options: WriteOptions) -> Result<()> {
        let mut buf = ryu::Buffer::new();
        let text = self.is_finite().then(|| buf.format_finite(self));
        write_float(out, text, f64::from(self), options)
    }
}

impl JsonValue for crate::f16 {
    fn write_json(self, out: &mut String, options: WriteOptions) -> Result<()> {
        self.to_f32().write_json(out, options)
    }
}

impl JsonValue for crate::bf16 {
    fn write_json(self, out: &mut String, options: WriteOptions) -> Result<()> {
        // Exact in f32; its shortest text reads back to the same bf16 (far inside the
        // rounding interval).
        self.to_f32().write_json(out, options)
    }
}

impl<F: JsonValue + num_complex::ComplexFloat> JsonValue for crate::Complex<F>
where
    crate::Complex<F>: Element + FromJson,
{
    fn write_json(self, out: &mut String, options: WriteOptions) -> Result<()> {
        out.push('[');
        self.re.write_json(out, options)?;
        out.push(',');
        self.im.write_json(out, options)?;
        out.push(']');
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Order, Shape};

    fn json<T: JsonValue>(dims: &[usize], order: Order, data: Vec<T>) -> Result<String> {
        let a = Array::from_vec(Shape::new(dims.to_vec()).unwrap(), order, data).unwrap();
        let mut out = Vec::new();
        write_array(&mut out, &a, WriteOptions::new())?;
        Ok(String::from_utf8(out).unwrap())
    }

    #[test]
    fn nesting_follows_the_shape() {
        assert_eq!(json(&[], Order::C, vec![7i32]).unwrap(), "7");
        assert_eq!(
            json(&[2, 3], Order::C, vec![1u8, 2, 3, 4, 5, 6]).unwrap(),
            "[[1,2,3],[4,5,6]]"
        );
        assert_eq!(
            json(&[2, 3], Order::F, vec![1u8, 4, 2, 5, 3, 6]).unwrap(),
            "[[1,2,3],[4,5,6]]"
        );
        assert_eq!(json::<f64>(&[2, 0], Order::C, vec![]).unwrap(), "[[],[]]");
        assert_eq!(json::<f64>(&[0, 2], Order::C, vec![]).unwrap(), "[]");
        assert_eq!(
            json(&[2], Order::C, vec![true, false]).unwrap(),
            "[true,false]"
        );
        assert_eq!(
            json(&[1], Order::C, vec![crate::Complex::new(1.5f32, -0.0)]).unwrap(),
            "[[1.5,-0.0]]"
        );
        assert_eq!(json(&[1], Order::C, vec![0.1f32]).unwrap(), "[0.1]");
    }

    #[test]
    fn nan_needs_permission() {
        assert_eq!(
            json(&[1], Order::C, vec![f64::NAN]).unwrap_err().code(),
            "data.not_representable"
        );
        let a = Array::from_vec(
            Shape::vector(2).unwrap(),
            Order::C,
            vec![f64::NAN, f64::NEG_INFINITY],
        )
        .unwrap();
        let mut out = Vec::new();
        write_array(&mut out, &a, WriteOptions::new().allow_nan(true)).unwrap();
        assert_eq!(out, b"[NaN,-Infinity]");
    }
}
