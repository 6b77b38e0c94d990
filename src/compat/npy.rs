//! Old `.npy` entry points (see the parent module).
#![allow(missing_docs)]

use std::io::Read;
use std::path::Path;

use crate::array::{Array, ArrayView, DynArray};
use crate::dtype::Element;
use crate::error::Result;
use crate::limits::Limits;
use crate::npy::{Header, ReadOptions};
use crate::options::open;
use crate::spec::{ArraySpec, Bindings};

#[doc(hidden)]
pub fn from_slice_with_limits<'a, T: Element>(
    bytes: &'a [u8],
    spec: &ArraySpec,
    limits: &Limits,
) -> Result<ArrayView<'a, T>> {
    ReadOptions::new()
        .limits(limits.clone())
        .read_slice::<T>(bytes, spec)
}

#[doc(hidden)]
pub fn from_reader_with_limits<T: Element, R: Read>(
    reader: R,
    spec: &ArraySpec,
    limits: &Limits,
) -> Result<Array<T>> {
    ReadOptions::new()
        .limits(limits.clone())
        .read_reader::<T, R>(reader, spec)
}

#[doc(hidden)]
pub fn from_path_with_limits<T: Element>(
    path: impl AsRef<Path>,
    spec: &ArraySpec,
    limits: &Limits,
) -> Result<Array<T>> {
    ReadOptions::new()
        .limits(limits.clone())
        .read_path::<T>(path, spec)
}

#[doc(hidden)]
pub fn check_path(path: impl AsRef<Path>, spec: &ArraySpec, limits: &Limits) -> Result<Header> {
    ReadOptions::new()
        .limits(limits.clone())
        .check_path(path, spec)
}

#[doc(hidden)]
pub fn check_path_with_bindings(
    path: impl AsRef<Path>,
    spec: &ArraySpec,
    limits: &Limits,
    bindings: &mut Bindings,
) -> Result<Header> {
    let (mut file, len) = open(path.as_ref())?;
    ReadOptions::new()
        .limits(limits.clone())
        .check_stream(&mut file, len, spec, bindings)
}

#[doc(hidden)]
pub fn check_reader<R: Read>(reader: R, spec: &ArraySpec, limits: &Limits) -> Result<Header> {
    ReadOptions::new()
        .limits(limits.clone())
        .check_reader(reader, spec)
}

#[doc(hidden)]
pub fn check_reader_with_bindings<R: Read>(
    mut reader: R,
    spec: &ArraySpec,
    limits: &Limits,
    bindings: &mut Bindings,
) -> Result<Header> {
    ReadOptions::new()
        .limits(limits.clone())
        .check_stream(&mut reader, None, spec, bindings)
}

impl ReadOptions {
    #[doc(hidden)]
    pub fn read_slice_dyn(&self, bytes: &[u8], spec: &ArraySpec) -> Result<DynArray> {
        self.read_slice::<DynArray>(bytes, spec)
    }

    #[doc(hidden)]
    pub fn read_reader_dyn<R: Read>(&self, reader: R, spec: &ArraySpec) -> Result<DynArray> {
        self.read_reader::<DynArray, R>(reader, spec)
    }

    #[doc(hidden)]
    pub fn read_path_dyn(&self, path: impl AsRef<Path>, spec: &ArraySpec) -> Result<DynArray> {
        self.read_path::<DynArray>(path, spec)
    }
}
