//! Old raw-buffer entry points (see the parent module).
#![allow(missing_docs)]

use std::io::Read;
use std::path::Path;

use crate::array::{Array, ArrayView, DynArray};
use crate::dtype::Element;
use crate::error::Result;
use crate::limits::Limits;
use crate::options::open;
use crate::plan::Plan;
use crate::raw::{Layout, ReadOptions};
use crate::spec::{ArraySpec, Bindings};

#[doc(hidden)]
pub fn from_slice_with_limits<'a, T: Element>(
    bytes: &'a [u8],
    layout: &Layout,
    spec: &ArraySpec,
    limits: &Limits,
) -> Result<ArrayView<'a, T>> {
    ReadOptions::new()
        .limits(limits.clone())
        .read_slice::<T>(bytes, layout, spec)
}

#[doc(hidden)]
pub fn from_reader_with_limits<T: Element, R: Read>(
    reader: R,
    layout: &Layout,
    spec: &ArraySpec,
    limits: &Limits,
) -> Result<Array<T>> {
    ReadOptions::new()
        .limits(limits.clone())
        .read_reader::<T, R>(reader, layout, spec)
}

#[doc(hidden)]
pub fn from_path_with_limits<T: Element>(
    path: impl AsRef<Path>,
    layout: &Layout,
    spec: &ArraySpec,
    limits: &Limits,
) -> Result<Array<T>> {
    ReadOptions::new()
        .limits(limits.clone())
        .read_path::<T>(path, layout, spec)
}

#[doc(hidden)]
pub fn check_path(
    path: impl AsRef<Path>,
    layout: &Layout,
    spec: &ArraySpec,
    limits: &Limits,
) -> Result<Plan> {
    ReadOptions::new()
        .limits(limits.clone())
        .check_path(path, layout, spec)
}

#[doc(hidden)]
pub fn check_path_with_bindings(
    path: impl AsRef<Path>,
    layout: &Layout,
    spec: &ArraySpec,
    limits: &Limits,
    bindings: &mut Bindings,
) -> Result<Plan> {
    let (file, len) = open(path.as_ref())?;
    ReadOptions::new()
        .limits(limits.clone())
        .check_stream(file, len, layout, spec, bindings)
}

impl ReadOptions {
    #[doc(hidden)]
    pub fn read_slice_dyn(
        &self,
        bytes: &[u8],
        layout: &Layout,
        spec: &ArraySpec,
    ) -> Result<DynArray> {
        self.read_slice::<DynArray>(bytes, layout, spec)
    }

    #[doc(hidden)]
    pub fn read_reader_dyn<R: Read>(
        &self,
        reader: R,
        layout: &Layout,
        spec: &ArraySpec,
    ) -> Result<DynArray> {
        self.read_reader::<DynArray, R>(reader, layout, spec)
    }

    #[doc(hidden)]
    pub fn read_path_dyn(
        &self,
        path: impl AsRef<Path>,
        layout: &Layout,
        spec: &ArraySpec,
    ) -> Result<DynArray> {
        self.read_path::<DynArray>(path, layout, spec)
    }
}
