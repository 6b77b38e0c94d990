//! [`ReadOptions`] and the read paths for slices, readers and files.

use super::layout::check_payload_len;
use super::Layout;
use std::fs::File;
use std::io::Read;
use std::path::Path;

use crate::array::{Array, ArrayView, DynArray};
use crate::dtype::{by_dtype, DType, Element};
use crate::error::{Error, LimitKind, Result};
use crate::limits::Limits;
use crate::payload::{self, Position};
use crate::shape::Shape;
use crate::spec::{ArraySpec, Bindings, Dim, Plan};
use crate::util::to_u64;

/// A raw file whose length was compared with the plan: the payload is the whole file.
const FILE: Position = Position {
    offset: 0,
    known_len: true,
    to_end: true,
};

/// A source of unknown length that must end after the payload.
const STREAM: Position = Position {
    offset: 0,
    known_len: false,
    to_end: true,
};

/// Options for reading raw buffers: the limits, and the memory order of owned arrays.
///
/// The free functions ([`from_slice`](super::from_slice) and friends) use default options; use this builder to
/// read into a [`DynArray`] (the layout decides the dtype) or with other limits. A spec's own
/// limit overrides ([`ArraySpec::with_limits`]) apply on top of these limits.
///
/// ```
/// use arrayguard::raw::{Layout, ReadOptions};
/// use arrayguard::{ArraySpec, DType, Limits};
/// let mut limits = Limits::default();
/// limits.max_bytes = 1 << 20;
/// let layout = Layout::from_typestr(">i2")?;
/// let array = ReadOptions::new().limits(limits).read_slice_dyn(&[0, 1, 1, 0], &layout, &ArraySpec::any())?;
/// assert_eq!(array.dtype(), DType::I16);
/// assert_eq!(array.as_typed::<i16>().map(|a| a.as_slice()), Some(&[1, 256][..]));
/// # Ok::<(), arrayguard::Error>(())
/// ```
#[derive(Clone, Debug, Default)]
pub struct ReadOptions {
    limits: Limits,
    c_order: bool,
}

/// A layout checked against a spec and limits as far as possible before the input's length
/// is known.
enum Checked {
    /// Every axis is fixed: the plan is complete and passed every check.
    Fixed(Plan),
    /// One axis is inferred from the length, `unit` bytes per step of it (0 when a fixed axis
    /// is 0).
    Inferred { unit: usize },
}

impl ReadOptions {
    /// Default limits.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets the limits. Defaults to [`Limits::default`]. The spec's limit overrides, if any,
    /// win over these.
    pub fn limits(mut self, limits: Limits) -> Self {
        self.limits = limits;
        self
    }

    /// These options with `spec`'s limit overrides applied.
    fn for_spec(&self, spec: &ArraySpec) -> ReadOptions {
        ReadOptions {
            limits: spec.limits_over(&self.limits),
            ..self.clone()
        }
    }

    /// Delivers arrays in C (row-major) order. A Fortran-order payload is converted while it
    /// is read, a few slabs at a time through a small buffer, when the source's length is
    /// known (a slice, a regular file) and one slab (the elements sharing an index on the last
    /// axis) holds at most 4 MiB; otherwise it is converted after it is read, briefly holding
    /// two copies. When F and C order store the same sequence (a vector, say) the array is
    /// only relabelled; that is also the only case in which [`ReadOptions::read_slice`] can
    /// still borrow, and it gives an owned view otherwise. Defaults to `false`: arrays keep
    /// the layout's order.
    pub fn c_order(mut self, c_order: bool) -> Self {
        self.c_order = c_order;
        self
    }

    /// Reads a typed array from a slice, borrowing it when aligned and native-endian. See
    /// [`from_slice`](super::from_slice).
    ///
    /// # Errors
    ///
    /// As [`from_slice`](super::from_slice).
    pub fn read_slice<'a, T: Element>(
        &self,
        bytes: &'a [u8],
        layout: &Layout,
        spec: &ArraySpec,
    ) -> Result<ArrayView<'a, T>> {
        let this = self.for_spec(spec);
        let mut bindings = Bindings::new();
        let checked = this.check(layout, spec, Some(T::DTYPE), &mut bindings)?;
        let plan = this.resolve(checked, layout, spec, to_u64(bytes.len()), &mut bindings)?;
        payload::view(&plan, bytes, 0, spec.values(), self.c_order)
    }

    /// Reads an array of the layout's dtype (which the spec must allow) from a slice. The data
    /// is always copied.
    ///
    /// # Errors
    ///
    /// As [`from_slice`](super::from_slice).
    pub fn read_slice_dyn(
        &self,
        bytes: &[u8],
        layout: &Layout,
        spec: &ArraySpec,
    ) -> Result<DynArray> {
        let this = self.for_spec(spec);
        let mut bindings = Bindings::new();
        let checked = this.check(layout, spec, None, &mut bindings)?;
        let plan = this.resolve(checked, layout, spec, to_u64(bytes.len()), &mut bindings)?;
        let values = spec.values();
        by_dtype!(plan.dtype(), T => Ok(payload::view::<T>(&plan, bytes, 0, values, self.c_order)?.into_owned().into()))
    }

    /// Reads a typed array from any reader. See [`from_reader`](super::from_reader).
    ///
    /// # Errors
    ///
    /// As [`from_reader`](super::from_reader).
    pub fn read_reader<T: Element, R: Read>(
        &self,
        mut reader: R,
        layout: &Layout,
        spec: &ArraySpec,
    ) -> Result<Array<T>> {
        let this = self.for_spec(spec);
        let checked = this.check(layout, spec, Some(T::DTYPE), &mut Bindings::new())?;
        this.read_stream(checked, layout, spec, &mut reader)
    }

    /// Reads an array of the layout's dtype from any reader.
    ///
    /// # Errors
    ///
    /// As [`from_reader`](super::from_reader).
    pub fn read_reader_dyn<R: Read>(
        &self,
        mut reader: R,
        layout: &Layout,
        spec: &ArraySpec,
    ) -> Result<DynArray> {
        let this = self.for_spec(spec);
        let checked = this.check(layout, spec, None, &mut Bindings::new())?;
        by_dtype!(layout.dtype(), T => Ok(this.read_stream::<T, R>(checked, layout, spec, &mut reader)?.into()))
    }

    /// Reads a typed array from a file. See [`from_path`](super::from_path).
    ///
    /// # Errors
    ///
    /// As [`from_reader`](super::from_reader).
    pub fn read_path<T: Element>(
        &self,
        path: impl AsRef<Path>,
        layout: &Layout,
        spec: &ArraySpec,
    ) -> Result<Array<T>> {
        let this = self.for_spec(spec);
        let checked = this.check(layout, spec, Some(T::DTYPE), &mut Bindings::new())?;
        let (mut file, len) = open(path.as_ref())?;
        this.read_file(checked, layout, spec, &mut file, len)
    }

    /// Reads an array of the layout's dtype from a file.
    ///
    /// # Errors
    ///
    /// As [`from_reader`](super::from_reader).
    pub fn read_path_dyn(
        &self,
        path: impl AsRef<Path>,
        layout: &Layout,
        spec: &ArraySpec,
    ) -> Result<DynArray> {
        let this = self.for_spec(spec);
        let checked = this.check(layout, spec, None, &mut Bindings::new())?;
        let (mut file, len) = open(path.as_ref())?;
        by_dtype!(layout.dtype(), T => Ok(this.read_file::<T>(checked, layout, spec, &mut file, len)?.into()))
    }

    /// Checks a file as [`ReadOptions::read_path_dyn`] reads it, without holding the payload:
    /// see [`check_path`](super::check_path). Named dimensions bind in `bindings`.
    pub(crate) fn check_path_streaming(
        &self,
        path: &Path,
        layout: &Layout,
        spec: &ArraySpec,
        bindings: &mut Bindings,
    ) -> Result<Plan> {
        let this = self.for_spec(spec);
        let checked = this.check(layout, spec, None, bindings)?;
        let (mut file, len) = open(path)?;
        let values = spec.values();
        let plan = match (len, checked) {
            (Some(len), checked) => {
                let plan = this.resolve(checked, layout, spec, len, bindings)?;
                by_dtype!(plan.dtype(), T => payload::stream::<T, File>(&plan, &mut file, FILE, values))?;
                plan
            }
            (None, Checked::Fixed(plan)) => {
                by_dtype!(plan.dtype(), T => payload::stream::<T, File>(&plan, &mut file, STREAM, values))?;
                plan
            }
            (None, checked @ Checked::Inferred { .. }) => {
                // Not a regular file, and an axis inferred from its length: the shape, and
                // with it the logical index of every element, is known only at the end, so
                // the input is read whole (within the limits) as `read_path_dyn` reads it.
                by_dtype!(layout.dtype(), T => this.read_stream_with::<T, File>(checked, layout, spec, &mut file, bindings)?.1)
            }
        };
        Ok(plan)
    }

    /// Every check that does not need the input's length: the layout's arithmetic, the spec
    /// (named dimensions bound in `bindings`), the limits and the requested element type.
    fn check(
        &self,
        layout: &Layout,
        spec: &ArraySpec,
        want: Option<DType>,
        bindings: &mut Bindings,
    ) -> Result<Checked> {
        let checked = match layout.inferred_axis() {
            None => {
                let plan = layout.fixed_plan()?;
                plan.check_with(spec, &self.limits, bindings)?;
                Checked::Fixed(plan)
            }
            Some(axis) => {
                let unit = layout.unit()?;
                // The spec sees the layout with 0 on the inferred axis, that axis relaxed to
                // any size, and the order it asks for: so it checks the dtype, byte order,
                // number of dimensions and fixed axes now. The inferred axis and the order
                // (which depends on how many axes are longer than 1) are checked by the final
                // `Plan::check` once the length is known.
                let probe = Plan::new(
                    layout.dtype(),
                    layout.byte_order(),
                    Shape::new(layout.dims_with(0))?,
                    spec.order().unwrap_or(layout.order()),
                )?;
                relax_axis(spec, axis).check(&probe)?;
                self.limits.check_ndim(layout.shape().len())?;
                Checked::Inferred { unit }
            }
        };
        match want {
            Some(dtype) if dtype != layout.dtype() => Err(Error::DTypeMismatch {
                expected: format!("`{dtype}`").into_boxed_str(),
                found: layout.dtype(),
            }),
            _ => Ok(checked),
        }
    }

    /// The plan for an input of `len` bytes, checked against the limits, the layout and the
    /// spec (named dimensions bound in `bindings`). Nothing has been allocated for the
    /// payload yet.
    fn resolve(
        &self,
        checked: Checked,
        layout: &Layout,
        spec: &ArraySpec,
        len: u64,
        bindings: &mut Bindings,
    ) -> Result<Plan> {
        match checked {
            Checked::Fixed(plan) => {
                check_payload_len(&plan, len)?;
                Ok(plan)
            }
            Checked::Inferred { unit } => {
                self.check_inferred_len(layout.dtype(), len)?;
                let plan = layout.inferred_plan(unit, len)?;
                plan.check_with(spec, &self.limits, bindings)?;
                Ok(plan)
            }
        }
    }

    /// The most bytes an input with an inferred axis may hold: [`Limits::max_bytes`], or
    /// [`Limits::max_elements`] items if that is fewer bytes. Returns the cap and the limit that
    /// sets it (the elements limit on a tie, as [`Plan::check`] checks elements first).
    fn inferred_cap(&self, dtype: DType) -> (u64, LimitKind) {
        let element_bytes = self
            .limits
            .max_elements
            .saturating_mul(to_u64(dtype.itemsize()));
        if element_bytes <= self.limits.max_bytes {
            (element_bytes, LimitKind::Elements)
        } else {
            (self.limits.max_bytes, LimitKind::Bytes)
        }
    }

    /// Refuses an input with an inferred axis whose length exceeds the cap. The limit named is
    /// the one that sets the cap, so a reader that stopped just past the cap and a slice of the
    /// full length report the same limit.
    fn check_inferred_len(&self, dtype: DType, len: u64) -> Result<()> {
        let (cap, kind) = self.inferred_cap(dtype);
        if len <= cap {
            return Ok(());
        }
        Err(if kind == LimitKind::Elements {
            let elements = len.div_ceil(to_u64(dtype.itemsize()));
            Error::limit(kind, self.limits.max_elements, elements)
        } else {
            Error::limit(kind, self.limits.max_bytes, len)
        })
    }

    /// Reads from a file, using its length when it is a regular file.
    fn read_file<T: Element>(
        &self,
        checked: Checked,
        layout: &Layout,
        spec: &ArraySpec,
        file: &mut File,
        len: Option<u64>,
    ) -> Result<Array<T>> {
        let Some(len) = len else {
            return self.read_stream(checked, layout, spec, file);
        };
        let plan = self.resolve(checked, layout, spec, len, &mut Bindings::new())?;
        // The file may have grown since its length was read: `to_end` still refuses trailing
        // bytes, before the values are checked.
        payload::read(&plan, file, FILE, spec.values(), self.c_order)
    }

    /// Reads from a source of unknown length.
    ///
    /// Both kinds of layout read through the same capped buffer: a fixed layout up to its byte
    /// count, an inferred one up to the limits. Reading one byte past the cap tells trailing
    /// data (or an input over the limits) apart, and the length is then judged exactly as a
    /// slice of that length would be, before any element is decoded: a reader and a slice of
    /// the same bytes give the same result.
    fn read_stream<T: Element, R: Read>(
        &self,
        checked: Checked,
        layout: &Layout,
        spec: &ArraySpec,
        reader: &mut R,
    ) -> Result<Array<T>> {
        let (array, _) =
            self.read_stream_with(checked, layout, spec, reader, &mut Bindings::new())?;
        Ok(array)
    }

    /// [`ReadOptions::read_stream`] with named dimensions bound in `bindings`, also returning
    /// the plan.
    fn read_stream_with<T: Element, R: Read>(
        &self,
        checked: Checked,
        layout: &Layout,
        spec: &ArraySpec,
        reader: &mut R,
        bindings: &mut Bindings,
    ) -> Result<(Array<T>, Plan)> {
        let cap = match &checked {
            Checked::Fixed(plan) => plan.nbytes(),
            Checked::Inferred { .. } => {
                let (cap, _) = self.inferred_cap(T::DTYPE);
                usize::try_from(cap).unwrap_or(usize::MAX)
            }
        };
        let (raw, received) = payload::read_capped::<T, R>(reader, cap)?;
        let plan = self.resolve(checked, layout, spec, to_u64(received), bindings)?;
        let mut array = payload::from_raw(raw, &plan, 0, spec.values())?;
        if self.c_order {
            array = array.into_c_order();
        }
        Ok((array, plan))
    }
}

/// `spec` with any size allowed on `axis`.
///
/// With a variadic shape pattern, which item of the pattern `axis` falls on depends on the
/// number of axes, so the whole shape waits for the final check, once the length is known
/// (still before anything is allocated for a slice or a regular file).
fn relax_axis(spec: &ArraySpec, axis: usize) -> ArraySpec {
    match (spec.shape(), spec.shape_spec()) {
        (Some(dims), _) => {
            let mut dims = dims.to_vec();
            if let Some(dim) = dims.get_mut(axis) {
                *dim = Dim::Any;
            }
            spec.clone().with_shape(dims)
        }
        (None, Some(_)) => {
            let mut relaxed = match spec.dtypes() {
                Some(list) => ArraySpec::any().with_dtypes(list.iter().copied()),
                None => ArraySpec::any(),
            };
            if let Some(byte_order) = spec.byte_order() {
                relaxed = relaxed.with_byte_order(byte_order);
            }
            if let Some(order) = spec.order() {
                relaxed = relaxed.with_order(order);
            }
            relaxed
        }
        (None, None) => spec.clone(),
    }
}

fn open(path: &Path) -> Result<(File, Option<u64>)> {
    let file = File::open(path)?;
    let meta = file.metadata()?;
    // Only a regular file's length is a promise about what reading will return.
    let len = meta.is_file().then_some(meta.len());
    Ok((file, len))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dtype::ByteOrder;
    use crate::error::LimitKind;
    use crate::raw::from_slice;
    use crate::shape::Order;

    fn le_i32(values: &[i32]) -> Vec<u8> {
        values.iter().flat_map(|v| v.to_le_bytes()).collect()
    }

    #[test]
    fn spec_is_checked_before_the_length() {
        let layout = Layout::from_typestr("<i4")
            .unwrap()
            .with_shape([None, Some(3)])
            .unwrap();
        let options = ReadOptions::new();
        // 5 bytes fit no layout, but the dtype is refused first.
        let spec = ArraySpec::new(DType::F32);
        let err = options.read_slice_dyn(&[0; 5], &layout, &spec).unwrap_err();
        assert_eq!(err.code(), "spec.dtype");
        let err = options
            .read_reader_dyn(&[0u8; 5][..], &layout, &spec)
            .unwrap_err();
        assert_eq!(err.code(), "spec.dtype");
        // A fixed axis is checked before reading; the inferred one after.
        let spec = ArraySpec::new(DType::I32).with_shape([Dim::Any, Dim::Exact(4)]);
        let err = options.read_slice_dyn(&[0; 5], &layout, &spec).unwrap_err();
        assert_eq!(
            err.to_string(),
            "shape mismatch on axis 1: expected 4, found 3"
        );
        let spec = ArraySpec::new(DType::I32).with_shape([Dim::Exact(1), Dim::Exact(3)]);
        let err = options
            .read_slice_dyn(&le_i32(&[1, 2, 3, 4, 5, 6]), &layout, &spec)
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            "shape mismatch on axis 0: expected 1, found 2"
        );
        // The requested element type is checked before reading too.
        let err = options
            .read_reader::<f32, _>(&[0u8; 5][..], &layout, &ArraySpec::any())
            .unwrap_err();
        assert_eq!(err.code(), "spec.dtype");
    }

    #[test]
    fn order_is_checked_once_the_inferred_axis_is_known() {
        let layout = Layout::from_typestr("<i4")
            .unwrap()
            .with_shape([None, Some(2)])
            .unwrap()
            .with_order(Order::F);
        let spec = ArraySpec::any().with_order(Order::C);
        // One row: a single long axis has the same bytes in both orders.
        let one_row = ReadOptions::new().read_slice_dyn(&le_i32(&[1, 2]), &layout, &spec);
        assert_eq!(one_row.unwrap().shape().dims(), &[1, 2]);
        let two_rows = ReadOptions::new().read_slice_dyn(&le_i32(&[1, 2, 3, 4]), &layout, &spec);
        assert_eq!(two_rows.unwrap_err().code(), "spec.order");
    }

    #[test]
    fn inferred_length_is_capped_by_the_smaller_limit() {
        let layout = Layout::from_typestr("<u2").unwrap();
        let limits = Limits {
            max_bytes: 8,
            max_elements: 100,
            ..Limits::default()
        };
        let options = ReadOptions::new().limits(limits.clone());
        let spec = ArraySpec::any();
        assert_eq!(
            options
                .read_slice_dyn(&[0; 8], &layout, &spec)
                .unwrap()
                .len(),
            4
        );
        // 9 bytes: the bytes limit sets the cap, even though 9 is odd.
        for err in [
            options.read_slice_dyn(&[0; 9], &layout, &spec).unwrap_err(),
            options
                .read_reader_dyn(&[0u8; 9][..], &layout, &spec)
                .unwrap_err(),
            options
                .read_reader_dyn(&[0u8; 1000][..], &layout, &spec)
                .unwrap_err(),
        ] {
            assert_eq!(err.code(), "limit.bytes");
        }
        let options = ReadOptions::new().limits(Limits {
            max_elements: 3,
            ..limits
        });
        for err in [
            options.read_slice_dyn(&[0; 8], &layout, &spec).unwrap_err(),
            options
                .read_reader_dyn(&[0u8; 7][..], &layout, &spec)
                .unwrap_err(),
        ] {
            assert_eq!(err.code(), "limit.elements");
        }
    }

    #[test]
    fn capped_reader_stops_one_byte_past_the_cap() {
        struct Endless(u64);
        impl Read for Endless {
            fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
                self.0 += to_u64(buf.len());
                buf.fill(1);
                Ok(buf.len())
            }
        }
        let limits = Limits {
            max_bytes: 100_000,
            ..Limits::default()
        };
        let mut source = Endless(0);
        let err = ReadOptions::new()
            .limits(limits)
            .read_reader_dyn(
                &mut source,
                &Layout::from_typestr("|u1").unwrap(),
                &ArraySpec::any(),
            )
            .unwrap_err();
        assert!(matches!(
            err,
            Error::LimitExceeded {
                kind: LimitKind::Bytes,
                limit: 100_000,
                requested: 100_001
            }
        ));
        assert_eq!(source.0, 100_001);
    }

    #[test]
    fn variadic_patterns_wait_for_the_inferred_axis() {
        // The inferred axis is `h`: it must not be checked as 0 before the length is known.
        let layout = Layout::from_typestr("|u1")
            .unwrap()
            .with_shape([Some(2), None])
            .unwrap();
        let spec =
            ArraySpec::any().with_shape_spec(crate::spec::ShapeSpec::parse("*b h:1..=10").unwrap());
        let view = from_slice::<u8>(&[0; 6], &layout, &spec).unwrap();
        assert_eq!(view.shape().dims(), &[2, 3]);
        let err = from_slice::<u8>(&[0; 22], &layout, &spec).unwrap_err();
        assert_eq!(err.code(), "spec.shape");
        // The dtype is still checked before the length.
        let spec = spec.with_dtypes([DType::I8]);
        let err = ReadOptions::new()
            .read_reader_dyn(&[0u8; 6][..], &layout, &spec)
            .unwrap_err();
        assert_eq!(err.code(), "spec.dtype");
    }

    #[test]
    fn unaligned_or_swapped_slices_are_copied() {
        let bytes = le_i32(&[1, 2, 3, 4]);
        let layout = Layout::from_typestr("<i4").unwrap();
        let view = from_slice::<i32>(&bytes, &layout, &ArraySpec::any()).unwrap();
        assert_eq!(view.as_slice(), &[1, 2, 3, 4]);
        let swapped = layout.with_byte_order(ByteOrder::Big);
        let view = from_slice::<i32>(&bytes, &swapped, &ArraySpec::any()).unwrap();
        assert!(!view.is_borrowed());
        assert_eq!(view.as_slice()[0], 1 << 24);
    }
}
