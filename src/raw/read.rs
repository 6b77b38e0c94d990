//! [`ReadOptions`] and the read paths for slices, readers and files.

use super::layout::check_payload_len;
use super::Layout;
use std::fs::File;
use std::io::Read;
use std::path::Path;

use crate::array::{Array, DynArray};
use crate::dtype::{by_dtype, DType, Element};
use crate::error::{Error, LimitKind, Result};
use crate::limits::Limits;
use crate::options::{open, threads_doc, Core, ReaderPayload, SlicePayload, ThreadedSlice};
use crate::payload::{self, SourceInfo};
use crate::plan::Plan;
use crate::spec::{ArraySpec, Bindings};
use crate::target::{check_requested, Payload, Target};
use crate::util::to_u64;

/// A raw file whose length was compared with the plan: the payload is the whole file.
const FILE: SourceInfo = SourceInfo {
    offset: 0,
    known_len: true,
    to_end: true,
};

/// A source of unknown length that must end after the payload.
const STREAM: SourceInfo = SourceInfo {
    offset: 0,
    known_len: false,
    to_end: true,
};

/// Options for reading and checking raw buffers: the limits, and the memory order of the
/// output. Every read and check of the format goes through it; the free functions
/// ([`from_slice`](super::from_slice) and friends) are its defaults.
///
/// The type parameter of the readers picks the output ([`Target`]): an element type `T` gives
/// `Array<T>` (a view from a slice) and refuses a layout of another dtype;
/// [`DynArray`](crate::DynArray) takes the layout's dtype, within the spec. A spec's own
/// limit overrides ([`ArraySpec::with_limits`]) apply on top of these limits.
///
/// ```
/// use arrayguard::raw::{Layout, ReadOptions};
/// use arrayguard::{ArraySpec, DType, DynArray, Limits};
/// let mut limits = Limits::default();
/// limits.max_bytes = 1 << 20;
/// let layout = Layout::from_typestr(">i2")?;
/// let options = ReadOptions::new().limits(limits);
/// let array = options.read_slice::<DynArray>(&[0, 1, 1, 0], &layout, &ArraySpec::any())?;
/// assert_eq!(array.dtype(), DType::I16);
/// assert_eq!(array.as_typed::<i16>().map(|a| a.as_slice()), Some(&[1, 256][..]));
/// # Ok::<(), arrayguard::Error>(())
/// ```
#[derive(Clone, Debug, Default)]
pub struct ReadOptions {
    core: Core,
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
    /// Default limits; arrays keep the layout's order.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets the limits. Defaults to [`Limits::default`]. The spec's limit overrides, if any,
    /// win over these.
    pub fn limits(mut self, limits: Limits) -> Self {
        self.core.limits = limits;
        self
    }

    /// Delivers arrays in C (row-major) order. A Fortran-order payload is converted while it
    /// is read, a few slabs at a time through a small buffer (on several threads for a large
    /// payload, see [`ReadOptions::threads`]), when the source's length is
    /// known (a slice, a regular file) and one slab (the elements sharing an index on the last
    /// axis) holds at most 4 MiB; otherwise it is converted after it is read, briefly holding
    /// two copies. When F and C order store the same sequence (a vector, say) the array is
    /// only relabelled; that is also the only case in which [`ReadOptions::read_slice`] can
    /// still borrow, and it gives an owned view otherwise. Defaults to `false`: arrays keep
    /// the layout's order. Checks ([`ReadOptions::check_path`]) ignore it.
    pub fn c_order(mut self, c_order: bool) -> Self {
        self.core.c_order = c_order;
        self
    }

    #[doc = threads_doc!()]
    ///
    /// ```
    /// use arrayguard::raw;
    /// let one_thread = raw::ReadOptions::new().threads(1);
    /// # let _ = one_thread;
    /// ```
    pub fn threads(mut self, threads: usize) -> Self {
        self.core.set_threads(threads);
        self
    }

    /// The fewest payload bytes per thread (default 4 MiB), for tests that exercise the
    /// parallel read on small inputs. Not part of the stable API.
    #[doc(hidden)]
    pub fn parallel_min_bytes(mut self, bytes: usize) -> Self {
        self.core.set_parallel_min_bytes(bytes);
        self
    }

    /// Reads an array from a slice: with an element type, a view that borrows `bytes` when
    /// they are aligned and native-endian; with [`DynArray`](crate::DynArray), a copy. See
    /// [`from_slice`](super::from_slice).
    ///
    /// # Errors
    ///
    /// As [`from_slice`](super::from_slice).
    pub fn read_slice<'a, O: Target>(
        &self,
        bytes: &'a [u8],
        layout: &Layout,
        spec: &ArraySpec,
    ) -> Result<O::View<'a>> {
        let limits = self.core.limits_for(spec);
        let mut bindings = Bindings::new();
        let checked = check::<O>(&limits, layout, spec, &mut bindings)?;
        let plan = resolve(
            &limits,
            checked,
            layout,
            spec,
            to_u64(bytes.len()),
            &mut bindings,
        )?;
        O::view(ThreadedSlice {
            payload: SlicePayload {
                plan: &plan,
                bytes,
                offset: 0,
                values: spec.values(),
                c_order: self.core.c_order,
            },
            threads: self.core.threads,
        })
    }

    /// Reads an array from any reader into an owned array. See
    /// [`from_reader`](super::from_reader).
    ///
    /// # Errors
    ///
    /// As [`from_reader`](super::from_reader).
    pub fn read_reader<O: Target, R: Read>(
        &self,
        mut reader: R,
        layout: &Layout,
        spec: &ArraySpec,
    ) -> Result<O::Owned> {
        let limits = self.core.limits_for(spec);
        let mut bindings = Bindings::new();
        let checked = check::<O>(&limits, layout, spec, &mut bindings)?;
        let stream = Stream {
            limits: &limits,
            checked,
            layout,
            spec,
            reader: &mut reader,
            bindings: &mut bindings,
            c_order: self.core.c_order,
        };
        O::owned(stream)
    }

    /// Reads an array from a file into an owned array. See [`from_path`](super::from_path).
    ///
    /// # Errors
    ///
    /// As [`from_reader`](super::from_reader).
    pub fn read_path<O: Target>(
        &self,
        path: impl AsRef<Path>,
        layout: &Layout,
        spec: &ArraySpec,
    ) -> Result<O::Owned> {
        let limits = self.core.limits_for(spec);
        let mut bindings = Bindings::new();
        // The layout is checked before the file is opened.
        let checked = check::<O>(&limits, layout, spec, &mut bindings)?;
        let (file, len) = open(path.as_ref())?;
        let stream = Stream {
            limits: &limits,
            checked,
            layout,
            spec,
            reader: &file,
            bindings: &mut bindings,
            c_order: self.core.c_order,
        };
        let Some(len) = len else {
            return O::owned(stream);
        };
        let plan = stream.resolve(len)?;
        // The file may have grown since its length was read: `to_end` still refuses trailing
        // bytes, before the values are checked.
        O::owned(ReaderPayload {
            plan: &plan,
            reader: &file,
            at: FILE,
            values: spec.values(),
            c_order: self.core.c_order,
            par: self.core.par(Some((&file, 0))),
        })
    }

    /// Checks a raw buffer in the file at `path` against `layout`, `spec` and these options
    /// without holding its payload, and returns the checked plan (with the inferred axis
    /// resolved).
    ///
    /// Everything [`ReadOptions::read_path`] checks (into a [`DynArray`](crate::DynArray)) is
    /// checked, in the same order and with the same errors: the layout against the spec and
    /// the limits (with the spec's overrides applied), the file's length against the layout,
    /// then the payload (`bool` bytes and the spec's value constraints, on elements converted
    /// to native byte order). The result is `Ok` exactly when the read would accept the file,
    /// and an error has the same code and message.
    ///
    /// A regular file's payload is read in chunks of whole elements, at most 1 MiB each, into
    /// one reused buffer (one per thread when a large file is checked on several threads, see
    /// [`ReadOptions::threads`]), so memory use does not grow with the file; with nothing to
    /// check in it (no value constraints, a dtype other than `bool`) it is not read at all,
    /// its length being all a read could fail on. A file that is not a regular file (a pipe)
    /// is checked as [`ReadOptions::check_reader`] checks a reader.
    ///
    /// # Errors
    ///
    /// The errors of [`from_path`](super::from_path), except
    /// [`ErrorKind::DTypeMismatch`](crate::ErrorKind::DTypeMismatch) for a requested element type
    /// (there is none).
    ///
    /// # Examples
    ///
    /// ```
    /// use arrayguard::raw::{Layout, ReadOptions};
    /// use arrayguard::{ArraySpec, ValueSpec};
    ///
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let dir = tempfile::tempdir()?;
    /// let path = dir.path().join("labels.u8");
    /// std::fs::write(&path, [0u8, 1, 2, 1, 9, 0])?;
    /// let layout = Layout::from_typestr("|u1")?.with_shape([None, Some(2)])?;
    /// let options = ReadOptions::new();
    ///
    /// let plan = options.check_path(&path, &layout, &ArraySpec::any())?;
    /// assert_eq!(plan.shape().dims(), &[3, 2]);
    ///
    /// let spec = ArraySpec::any().with_values(ValueSpec::new().one_of([0, 1, 2]));
    /// let err = options.check_path(&path, &layout, &spec).unwrap_err();
    /// assert_eq!(err.code(), "value.not_in_enum");
    /// assert!(err.to_string().ends_with("[2, 0] = 9"));
    /// # Ok(())
    /// # }
    /// ```
    pub fn check_path(
        &self,
        path: impl AsRef<Path>,
        layout: &Layout,
        spec: &ArraySpec,
    ) -> Result<Plan> {
        let source = || open(path.as_ref());
        self.check_source(source, as_file, layout, spec, &mut Bindings::new())
    }

    /// Checks a raw buffer from a reader as [`ReadOptions::check_path`] checks a file, without
    /// holding its payload when every axis is fixed: the reader's length is judged at its
    /// end. With an axis inferred from the length, the shape (and with it the logical index of
    /// every element) is known only at the end, so the input is read whole, within the
    /// limits, as [`ReadOptions::read_reader`] reads it.
    ///
    /// # Errors
    ///
    /// As [`ReadOptions::check_path`], plus [`ErrorKind::OutOfMemory`](crate::ErrorKind::OutOfMemory)
    /// when an input with an inferred axis cannot be held.
    pub fn check_reader<R: Read>(
        &self,
        reader: R,
        layout: &Layout,
        spec: &ArraySpec,
    ) -> Result<Plan> {
        let source = || Ok((reader, None));
        self.check_source(source, |_| None, layout, spec, &mut Bindings::new())
    }

    /// Checks the layout, then opens the source (a reader and its length when known) and
    /// checks its payload: streamed in chunks when the plan is known before the end of the
    /// input, read whole otherwise. `as_file` gives the source as a file when it is one,
    /// for the parallel check.
    fn check_source<R: Read>(
        &self,
        source: impl FnOnce() -> Result<(R, Option<u64>)>,
        as_file: impl Fn(&R) -> Option<&File>,
        layout: &Layout,
        spec: &ArraySpec,
        bindings: &mut Bindings,
    ) -> Result<Plan> {
        let limits = self.core.limits_for(spec);
        let checked = check::<DynArray>(&limits, layout, spec, bindings)?;
        let (mut reader, len) = source()?;
        let values = spec.values();
        let (plan, at) = match (len, checked) {
            (None, Checked::Fixed(plan)) => (plan, STREAM),
            (None, checked @ Checked::Inferred { .. }) => {
                let stream = Stream {
                    limits: &limits,
                    checked,
                    layout,
                    spec,
                    reader,
                    bindings,
                    c_order: false,
                };
                return by_dtype!(layout.dtype(), T => Ok(stream.read::<T>()?.1));
            }
            (Some(len), checked) => {
                let stream = Stream {
                    limits: &limits,
                    checked,
                    layout,
                    spec,
                    reader: &mut reader,
                    bindings,
                    c_order: false,
                };
                (stream.resolve(len)?, FILE)
            }
        };
        match len.and_then(|_| as_file(&reader)) {
            Some(mut file) => {
                let par = self.core.par(Some((file, 0)));
                by_dtype!(plan.dtype(), T => payload::stream::<T, &File>(&plan, &mut file, at, values, par))?;
            }
            None => {
                let par = self.core.par(None);
                by_dtype!(plan.dtype(), T => payload::stream::<T, R>(&plan, &mut reader, at, values, par))?;
            }
        }
        Ok(plan)
    }
}

/// A file as a file, for [`ReadOptions::check_source`].
fn as_file(file: &File) -> Option<&File> {
    Some(file)
}

/// Every check that does not need the input's length, as stages of the spec: the layout's
/// arithmetic, the dtype, the byte order, the fixed axes (all of the shape when no axis is
/// inferred, with named dimensions bound in `bindings`), the limits and the requested element
/// type. With an inferred axis, that axis, the names and the order (which depends on how many
/// axes are longer than 1) are checked by [`resolve`] once the length is known.
fn check<O: Target>(
    limits: &Limits,
    layout: &Layout,
    spec: &ArraySpec,
    bindings: &mut Bindings,
) -> Result<Checked> {
    let checked = match layout.inferred_axis() {
        None => {
            let plan = layout.fixed_plan()?;
            plan.check_with(spec, limits, bindings)?;
            Checked::Fixed(plan)
        }
        Some(axis) => {
            let unit = layout.unit()?;
            spec.check_dtype(layout.dtype())?;
            spec.check_byte_order(layout.dtype(), layout.byte_order())?;
            spec.check_axes(&layout.dims_with(0), Some(axis))?;
            limits.check_ndim(layout.shape().len())?;
            Checked::Inferred { unit }
        }
    };
    check_requested::<O>(layout.dtype())?;
    Ok(checked)
}

/// The plan for an input of `len` bytes, checked against the limits, the layout and the
/// spec (named dimensions bound in `bindings`). Nothing has been allocated for the payload
/// yet.
fn resolve(
    limits: &Limits,
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
            check_inferred_len(limits, layout.dtype(), len)?;
            let plan = layout.inferred_plan(unit, len)?;
            plan.check_with(spec, limits, bindings)?;
            Ok(plan)
        }
    }
}

/// The most bytes an input with an inferred axis may hold: [`Limits::max_bytes`], or
/// [`Limits::max_elements`] items if that is fewer bytes. Returns the cap and the limit that
/// sets it (the elements limit on a tie, as [`Plan::check`] checks elements first).
fn inferred_cap(limits: &Limits, dtype: DType) -> (u64, LimitKind) {
    let element_bytes = limits.max_elements.saturating_mul(to_u64(dtype.itemsize()));
    if element_bytes <= limits.max_bytes {
        (element_bytes, LimitKind::Elements)
    } else {
        (limits.max_bytes, LimitKind::Bytes)
    }
}

/// Refuses an input with an inferred axis whose length exceeds the cap. The limit named is
/// the one that sets the cap, so a reader that stopped just past the cap and a slice of the
/// full length report the same limit.
fn check_inferred_len(limits: &Limits, dtype: DType, len: u64) -> Result<()> {
    let (cap, kind) = inferred_cap(limits, dtype);
    if len <= cap {
        return Ok(());
    }
    Err(if kind == LimitKind::Elements {
        let elements = len.div_ceil(to_u64(dtype.itemsize()));
        Error::limit(kind, limits.max_elements, elements)
    } else {
        Error::limit(kind, limits.max_bytes, len)
    })
}

/// A source of unknown length.
///
/// Both kinds of layout read through the same capped buffer: a fixed layout up to its byte
/// count, an inferred one up to the limits. Reading one byte past the cap tells trailing
/// data (or an input over the limits) apart, and the length is then judged exactly as a
/// slice of that length would be, before any element is decoded: a reader and a slice of
/// the same bytes give the same result.
struct Stream<'p, R> {
    limits: &'p Limits,
    checked: Checked,
    layout: &'p Layout,
    spec: &'p ArraySpec,
    reader: R,
    bindings: &'p mut Bindings,
    c_order: bool,
}

impl<R: Read> Stream<'_, R> {
    /// The plan for an input of `len` bytes (see [`resolve`]).
    fn resolve(self, len: u64) -> Result<Plan> {
        resolve(
            self.limits,
            self.checked,
            self.layout,
            self.spec,
            len,
            self.bindings,
        )
    }

    /// Reads the array, also returning its plan.
    fn read<T: Element>(mut self) -> Result<(Array<T>, Plan)> {
        let cap = match &self.checked {
            Checked::Fixed(plan) => plan.nbytes(),
            Checked::Inferred { .. } => {
                let (cap, _) = inferred_cap(self.limits, T::DTYPE);
                usize::try_from(cap).unwrap_or(usize::MAX)
            }
        };
        let (raw, received) = payload::read_capped::<T, R>(&mut self.reader, cap)?;
        let plan = resolve(
            self.limits,
            self.checked,
            self.layout,
            self.spec,
            to_u64(received),
            self.bindings,
        )?;
        let mut array = payload::from_raw(raw, &plan, 0, self.spec.values())?;
        if self.c_order {
            array = array.into_c_order();
        }
        Ok((array, plan))
    }
}

impl<R: Read> Payload<'_> for Stream<'_, R> {
    fn dtype(&self) -> DType {
        self.layout.dtype()
    }

    fn owned<T: Element>(self) -> Result<Array<T>> {
        Ok(self.read::<T>()?.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dtype::ByteOrder;
    use crate::error::{ErrorKind, LimitKind};
    use crate::raw::from_slice;
    use crate::shape::Order;
    use crate::spec::Dim;

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
        let err = options
            .read_slice::<DynArray>(&[0; 5], &layout, &spec)
            .unwrap_err();
        assert_eq!(err.code(), "spec.dtype");
        let err = options
            .read_reader::<DynArray, _>(&[0u8; 5][..], &layout, &spec)
            .unwrap_err();
        assert_eq!(err.code(), "spec.dtype");
        // A fixed axis is checked before reading; the inferred one after.
        let spec = ArraySpec::new(DType::I32).with_shape([Dim::Any, Dim::Exact(4)]);
        let err = options
            .read_slice::<DynArray>(&[0; 5], &layout, &spec)
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            "shape mismatch on axis 1: expected 4, found 3"
        );
        let spec = ArraySpec::new(DType::I32).with_shape([Dim::Exact(1), Dim::Exact(3)]);
        let err = options
            .read_slice::<DynArray>(&le_i32(&[1, 2, 3, 4, 5, 6]), &layout, &spec)
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
        let one_row = ReadOptions::new().read_slice::<DynArray>(&le_i32(&[1, 2]), &layout, &spec);
        assert_eq!(one_row.unwrap().shape().dims(), &[1, 2]);
        let two_rows =
            ReadOptions::new().read_slice::<DynArray>(&le_i32(&[1, 2, 3, 4]), &layout, &spec);
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
                .read_slice::<DynArray>(&[0; 8], &layout, &spec)
                .unwrap()
                .len(),
            4
        );
        // 9 bytes: the bytes limit sets the cap, even though 9 is odd.
        for err in [
            options
                .read_slice::<DynArray>(&[0; 9], &layout, &spec)
                .unwrap_err(),
            options
                .read_reader::<DynArray, _>(&[0u8; 9][..], &layout, &spec)
                .unwrap_err(),
            options
                .read_reader::<DynArray, _>(&[0u8; 1000][..], &layout, &spec)
                .unwrap_err(),
        ] {
            assert_eq!(err.code(), "limit.bytes");
        }
        let options = ReadOptions::new().limits(Limits {
            max_elements: 3,
            ..limits
        });
        for err in [
            options
                .read_slice::<DynArray>(&[0; 8], &layout, &spec)
                .unwrap_err(),
            options
                .read_reader::<DynArray, _>(&[0u8; 7][..], &layout, &spec)
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
            .read_reader::<DynArray, _>(
                &mut source,
                &Layout::from_typestr("|u1").unwrap(),
                &ArraySpec::any(),
            )
            .unwrap_err();
        assert!(matches!(
            err.kind(),
            ErrorKind::LimitExceeded {
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
            .read_reader::<DynArray, _>(&[0u8; 6][..], &layout, &spec)
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
