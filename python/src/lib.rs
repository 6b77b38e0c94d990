//! The `arrayguard._native` extension module: the library's readers with NumPy arrays out.
//! The Python package `arrayguard` re-exports it (see `arrayguard/__init__.py` and the type
//! stubs `arrayguard/_native.pyi`).
//!
//! Every function parses without the GIL; bytes are borrowed only when Python cannot change
//! them meanwhile (`bytes`, `str`), and copied first otherwise (see `io.rs`). Arrays come out
//! native-endian, in C order unless `c_order=False`, with the payload handed to NumPy without
//! a copy (see `arrays.rs`, the crate's only `unsafe`). Every library error is an
//! `ArrayGuardError` with the library's code; nothing panics across the boundary.

mod arrays;
mod errors;
mod io;
mod spec;

use arrayguard::raw::{Layout, Platform};
use arrayguard::{
    json, npy, npz, oip, raw, ArraySpec, BundleChecker, ByteOrder, DType, DynArray, Order,
};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict, PyList, PyTuple};

use arrays::{to_numpy, with_view, with_view_dyn, ArrayViewDyn};
use errors::{usage, ArrayGuardError, IntoPy};
use io::{source, Source};
use spec::{PyArraySpec, PyBundleSpec, PyLimits};

/// The most dimensions a NumPy array made here may have (rust-numpy's bound): deeper arrays
/// are refused as `limit.ndim` when handed over.
const MAX_NDIM: usize = 32;

fn limits_of(limits: Option<&PyLimits>) -> arrayguard::Limits {
    limits.map(|l| l.inner.clone()).unwrap_or_default()
}

/// A `dtype` argument as text for the library: a string as it is (every unambiguous name or
/// type string the library reads; `"i8"` and `"u8"` are refused, being int64/uint64 to NumPy
/// but int8/uint8 to the library), a NumPy dtype or type (`np.float32`) by its type string.
fn dtype_text(py: Python<'_>, dtype: &Bound<'_, PyAny>) -> PyResult<String> {
    if let Ok(text) = dtype.extract::<String>() {
        spec::refuse_ambiguous_dtypes(py, dtype)?;
        return Ok(text);
    }
    py.import("numpy")?
        .call_method1("dtype", (dtype,))?
        .getattr("str")?
        .extract()
}

fn spec_of(spec: Option<&PyArraySpec>) -> ArraySpec {
    spec.map_or_else(ArraySpec::any, |s| s.inner.clone())
}

/// Reads a `.npy` file held in memory (`bytes`, or any buffer, which is copied first).
#[pyfunction]
#[pyo3(signature = (data, spec=None, *, limits=None, c_order=true))]
fn loads_npy<'py>(
    py: Python<'py>,
    data: &Bound<'py, PyAny>,
    spec: Option<PyArraySpec>,
    limits: Option<PyLimits>,
    c_order: bool,
) -> PyResult<Bound<'py, PyAny>> {
    let bytes = io::data(py, data, false)?;
    let spec = spec_of(spec.as_ref());
    let options = npy::ReadOptions::new()
        .limits(limits_of(limits.as_ref()))
        .c_order(c_order);
    let array = py
        .detach(|| options.read_slice::<DynArray>(&bytes, &spec))
        .py_err(py)?;
    to_numpy(py, array)
}

/// Reads a `.npy` file from a path or a binary file object.
#[pyfunction]
#[pyo3(signature = (file, spec=None, *, limits=None, c_order=true))]
fn load_npy<'py>(
    py: Python<'py>,
    file: &Bound<'py, PyAny>,
    spec: Option<PyArraySpec>,
    limits: Option<PyLimits>,
    c_order: bool,
) -> PyResult<Bound<'py, PyAny>> {
    let spec = spec_of(spec.as_ref());
    let options = npy::ReadOptions::new()
        .limits(limits_of(limits.as_ref()))
        .c_order(c_order);
    let array = match source(file)? {
        Source::Path(path) => py.detach(|| options.read_path::<DynArray>(&path, &spec)),
        other => {
            let reader = other.into_reader().py_err(py)?;
            py.detach(|| options.read_reader::<DynArray, _>(reader, &spec))
        }
    }
    .py_err(py)?;
    to_numpy(py, array)
}

/// Checks a `.npy` file (path, binary file object, or bytes) against a spec without holding
/// its payload; returns its header facts.
#[pyfunction]
#[pyo3(signature = (file, spec=None, *, limits=None))]
fn check_npy<'py>(
    py: Python<'py>,
    file: &Bound<'py, PyAny>,
    spec: Option<PyArraySpec>,
    limits: Option<PyLimits>,
) -> PyResult<Bound<'py, PyDict>> {
    let spec = spec_of(spec.as_ref());
    let options = npy::ReadOptions::new().limits(limits_of(limits.as_ref()));
    let header = match io::input(file)? {
        // A path keeps the file's length, compared with the declared size before reading.
        Source::Path(path) => py.detach(|| options.check_path(&path, &spec)),
        Source::File(reader) => py.detach(|| options.check_reader(reader, &spec)),
        Source::Bytes(bytes) => py.detach(|| options.check_reader(&bytes[..], &spec)),
    }
    .py_err(py)?;
    header_dict(py, &header)
}

/// The header facts of a `.npy` file (bytes, path or binary file object), without reading
/// its payload.
#[pyfunction]
#[pyo3(signature = (file, *, limits=None))]
fn inspect_npy<'py>(
    py: Python<'py>,
    file: &Bound<'py, PyAny>,
    limits: Option<PyLimits>,
) -> PyResult<Bound<'py, PyDict>> {
    let limits = limits_of(limits.as_ref());
    let reader = io::input(file)?.into_reader().py_err(py)?;
    let header = py.detach(|| npy::read_header(reader, &limits)).py_err(py)?;
    header_dict(py, &header)
}

fn header_dict<'py>(py: Python<'py>, header: &npy::Header) -> PyResult<Bound<'py, PyDict>> {
    let dict = PyDict::new(py);
    dict.set_item("version", header.version())?;
    dict.set_item("descr", header.descr())?;
    dict.set_item("dtype", header.dtype().typestr(header.byte_order()))?;
    dict.set_item("shape", PyTuple::new(py, header.shape().dims())?)?;
    dict.set_item("fortran_order", header.fortran_order())?;
    dict.set_item("header_len", header.header_len())?;
    dict.set_item("data_offset", header.data_offset())?;
    dict.set_item("nbytes", header.nbytes())?;
    Ok(dict)
}

/// The layout of a raw buffer from the Python arguments.
#[allow(clippy::too_many_arguments)]
fn layout(
    py: Python<'_>,
    dtype: Option<&Bound<'_, PyAny>>,
    shape: Option<&Bound<'_, PyAny>>,
    order: &str,
    typecode: Option<char>,
    platform: Option<&str>,
) -> PyResult<Layout> {
    let base = match (dtype, typecode, platform) {
        (Some(dtype), None, None) => {
            let text = dtype_text(py, dtype)?;
            match DType::parse_any(&text) {
                Ok((dtype, byte_order)) => {
                    Layout::new(dtype, byte_order.unwrap_or(ByteOrder::NATIVE))
                }
                Err(_) => Layout::from_typestr(&text).py_err(py)?,
            }
        }
        (None, Some(code), Some(platform)) => {
            let platform: Platform = platform.parse().py_err(py)?;
            Layout::from_typecode(code, platform).py_err(py)?
        }
        (None, Some(_), None) => {
            return Err(usage(
                py,
                "typecode needs platform: array module sizes differ between platforms \
                 (`l` is 8 bytes on Linux and macOS, 4 on Windows), so it is never guessed",
            ))
        }
        _ => {
            return Err(usage(
                py,
                "loads_raw needs dtype, or typecode with platform (not both)",
            ))
        }
    };
    let axes: Vec<Option<usize>> = match shape {
        None => vec![None],
        Some(shape) if shape.is_none() => vec![None],
        Some(shape) => {
            let items: Vec<Bound<'_, PyAny>> = if let Ok(n) = shape.extract::<i64>() {
                vec![n.into_pyobject(py)?.into_any()]
            } else {
                shape.try_iter()?.collect::<PyResult<_>>()?
            };
            items
                .iter()
                .map(|item| {
                    if item.is_none() {
                        return Ok(None);
                    }
                    match item.extract::<i64>()? {
                        -1 => Ok(None),
                        n => usize::try_from(n)
                            .map(Some)
                            .map_err(|_| usage(py, format!("invalid dimension {n} in shape"))),
                    }
                })
                .collect::<PyResult<_>>()?
        }
    };
    let order = match order {
        "C" | "c" => Order::C,
        "F" | "f" => Order::F,
        other => {
            return Err(usage(
                py,
                format!("order must be \"C\" or \"F\", found {other:?}"),
            ))
        }
    };
    Ok(base.with_shape(axes).py_err(py)?.with_order(order))
}

/// Reads a raw typed buffer (`numpy.tobytes()`, `array.array`, a queue's bytes) with an
/// explicit layout: `dtype` (`"<f4"`, `"float32"`, `np.float32`), or a Python `array`
/// `typecode` with the `platform` that wrote it; `shape` with at most one `-1`/`None` axis
/// inferred (default: one inferred axis); `order` of the buffer.
#[pyfunction]
#[pyo3(signature = (data, *, dtype=None, shape=None, order="C", typecode=None, platform=None, spec=None, limits=None, c_order=true))]
#[allow(clippy::too_many_arguments)]
fn loads_raw<'py>(
    py: Python<'py>,
    data: &Bound<'py, PyAny>,
    dtype: Option<Bound<'py, PyAny>>,
    shape: Option<Bound<'py, PyAny>>,
    order: &str,
    typecode: Option<char>,
    platform: Option<&str>,
    spec: Option<PyArraySpec>,
    limits: Option<PyLimits>,
    c_order: bool,
) -> PyResult<Bound<'py, PyAny>> {
    let layout = layout(
        py,
        dtype.as_ref(),
        shape.as_ref(),
        order,
        typecode,
        platform,
    )?;
    let bytes = io::data(py, data, false)?;
    let spec = spec_of(spec.as_ref());
    let options = raw::ReadOptions::new()
        .limits(limits_of(limits.as_ref()))
        .c_order(c_order);
    let array = py
        .detach(|| options.read_slice::<DynArray>(&bytes, &layout, &spec))
        .py_err(py)?;
    to_numpy(py, array)
}

/// The spec for JSON input: the caller's, with `dtype` (when given) as its one dtype.
fn json_spec(
    py: Python<'_>,
    spec: Option<&PyArraySpec>,
    dtype: Option<&Bound<'_, PyAny>>,
) -> PyResult<ArraySpec> {
    let spec = spec_of(spec);
    let Some(dtype) = dtype else {
        return Ok(spec);
    };
    let text = dtype_text(py, dtype)?;
    let (dtype, _) = DType::parse_any(&text).py_err(py)?;
    Ok(spec.with_dtypes([dtype]))
}

/// Reads JSON text (`str` or bytes): nested arrays (read as the spec's one dtype, or
/// `dtype`) or an envelope `{"dtype", "shape", "data"}`, in one pass, no Python list built.
#[pyfunction]
#[pyo3(signature = (text, spec=None, *, dtype=None, limits=None, allow_nan=false, c_order=true))]
fn loads_json<'py>(
    py: Python<'py>,
    text: &Bound<'py, PyAny>,
    spec: Option<PyArraySpec>,
    dtype: Option<Bound<'py, PyAny>>,
    limits: Option<PyLimits>,
    allow_nan: bool,
    c_order: bool,
) -> PyResult<Bound<'py, PyAny>> {
    let spec = json_spec(py, spec.as_ref(), dtype.as_ref())?;
    let bytes = io::data(py, text, true)?;
    let options = json::ReadOptions::new()
        .limits(limits_of(limits.as_ref()))
        .allow_nan(allow_nan)
        .c_order(c_order)
        .form(json::Form::Detect);
    let array = py
        .detach(|| options.read_slice::<DynArray>(&bytes, &spec))
        .py_err(py)?;
    to_numpy(py, array)
}

/// The deepest nesting `from_json_value` walks: it recurses once per level of Python lists.
const MAX_VALUE_DEPTH: usize = 1000;

/// Validates a value already parsed from JSON (nested lists of numbers, or an envelope dict)
/// through the same reader as `loads_json`, walking the Python objects without building
/// anything else. For `arrayguard.pydantic`. Nesting is limited to `max_depth`, at most 1000.
#[pyfunction]
#[pyo3(signature = (value, spec=None, *, dtype=None, limits=None, allow_nan=false, c_order=true))]
fn from_json_value<'py>(
    py: Python<'py>,
    value: &Bound<'py, PyAny>,
    spec: Option<PyArraySpec>,
    dtype: Option<Bound<'py, PyAny>>,
    limits: Option<PyLimits>,
    allow_nan: bool,
    c_order: bool,
) -> PyResult<Bound<'py, PyAny>> {
    let spec = json_spec(py, spec.as_ref(), dtype.as_ref())?;
    let mut limits = limits_of(limits.as_ref());
    limits.max_depth = limits.max_depth.min(MAX_VALUE_DEPTH);
    let options = json::ReadOptions::new()
        .limits(limits)
        .allow_nan(allow_nan)
        .c_order(c_order);
    let array = if let Ok(dict) = value.cast::<PyDict>() {
        // An envelope: back to JSON text by Python's `json` (which refuses nesting deeper than
        // its recursion limit), `dtype` and `shape` first as the envelope reader wants them.
        let ordered = PyDict::new(py);
        for key in ["dtype", "shape"] {
            if let Some(item) = dict.get_item(key)? {
                ordered.set_item(key, item)?;
            }
        }
        for (key, item) in dict.iter() {
            if !ordered.contains(&key)? {
                ordered.set_item(key, item)?;
            }
        }
        let kwargs = PyDict::new(py);
        kwargs.set_item("allow_nan", true)?;
        let text: String = match py
            .import("json")?
            .call_method("dumps", (ordered,), Some(&kwargs))
        {
            Ok(text) => text.extract()?,
            Err(e) if e.is_instance_of::<pyo3::exceptions::PyRecursionError>(py) => {
                let error = arrayguard::Error::from(arrayguard::ErrorKind::LimitExceeded {
                    kind: arrayguard::LimitKind::Depth,
                    limit: MAX_VALUE_DEPTH as u64,
                    requested: u64::MAX,
                });
                return Err(errors::to_py(py, &error));
            }
            Err(e) => return Err(usage(py, format!("not a JSON envelope: {}", e.value(py)))),
        };
        let options = options.form(json::Form::Envelope);
        py.detach(|| options.read_str::<DynArray>(&text, &spec))
            .py_err(py)?
    } else {
        let seed = options.seed::<DynArray>(&spec);
        let mut deserializer = pythonize::Depythonizer::from_object(value);
        seed.deserialize_typed(&mut deserializer)
            .map_err(|e| usage(py, format!("not a JSON array value: {e}")))?
            .py_err(py)?
    };
    to_numpy(py, array)
}

/// Writes a NumPy array as `.npy` bytes, identical to `numpy.save`'s (the array's own byte
/// order; Fortran order kept for Fortran-contiguous arrays).
#[pyfunction]
fn dumps_npy<'py>(py: Python<'py>, array: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyBytes>> {
    let bytes = with_view(array, |view| {
        let mut out = Vec::new();
        with_view_dyn!(view, (v, big) => {
            let order = if big { ByteOrder::Big } else { ByteOrder::Little };
            npy::write_with_byte_order(&mut out, &v, order)?;
        });
        Ok(out)
    })?;
    Ok(PyBytes::new(py, &bytes))
}

/// Writes a NumPy array as nested JSON arrays (floats exact: the shortest text that reads
/// back to the same value). `allow_nan` writes `NaN`/`Infinity` as Python's `json` does.
#[pyfunction]
#[pyo3(signature = (array, *, allow_nan=false))]
fn dumps_json(array: &Bound<'_, PyAny>, allow_nan: bool) -> PyResult<String> {
    let options = json::WriteOptions::new().allow_nan(allow_nan);
    let bytes = with_view(array, |view| {
        let mut out = Vec::new();
        with_view_dyn!(view, (v, _big) => {
            let owned: DynArray = v.into_owned().into();
            json::to_writer_with_options(&mut out, &owned, options)?;
        });
        Ok(out)
    })?;
    String::from_utf8(bytes).map_err(|e| usage(array.py(), e.to_string()))
}

/// Reads every array of an `.npz` archive (bytes, path or binary file object with `seek`),
/// each checked against `spec`: a dict from array name (`x` for `x.npy`) to array, in the
/// archive's order.
#[pyfunction]
#[pyo3(signature = (file, spec=None, *, limits=None, c_order=true))]
fn load_npz<'py>(
    py: Python<'py>,
    file: &Bound<'py, PyAny>,
    spec: Option<PyArraySpec>,
    limits: Option<PyLimits>,
    c_order: bool,
) -> PyResult<Bound<'py, PyDict>> {
    let spec = spec_of(spec.as_ref());
    let options = npz::ReadOptions::new()
        .limits(limits_of(limits.as_ref()))
        .c_order(c_order);
    let reader = io::input(file)?.into_reader().py_err(py)?;
    let arrays = py
        .detach(|| options.open_reader(reader)?.read_all(&spec))
        .py_err(py)?;
    let dict = PyDict::new(py);
    for (name, array) in arrays {
        dict.set_item(name, to_numpy(py, array)?)?;
    }
    Ok(dict)
}

/// Checks every member of an `.npz` archive in bounded memory, against an `ArraySpec`
/// (applied to each member) or a `BundleSpec` (members bound to its arrays by name). Returns
/// one dict per verdict: `array`, `member`, `ok`, and `error` (an `ArrayGuardError` or None).
/// An archive refused as a whole raises.
#[pyfunction]
#[pyo3(signature = (file, spec=None, *, limits=None))]
fn check_npz<'py>(
    py: Python<'py>,
    file: &Bound<'py, PyAny>,
    spec: Option<&Bound<'py, PyAny>>,
    limits: Option<PyLimits>,
) -> PyResult<Bound<'py, PyList>> {
    let limits = limits_of(limits.as_ref());
    let options = npz::ReadOptions::new().limits(limits.clone());
    let against = match spec {
        None => Against::Array(ArraySpec::any()),
        Some(s) => match (s.extract::<PyArraySpec>(), s.extract::<PyBundleSpec>()) {
            (Ok(a), _) => Against::Array(a.inner),
            (_, Ok(b)) => Against::Bundle(b.inner),
            _ => return Err(usage(py, "spec must be an ArraySpec or a BundleSpec")),
        },
    };
    let reader = io::input(file)?.into_reader().py_err(py)?;
    let rows = py
        .detach(|| {
            options
                .open_reader(reader)
                .map(|a| check_members(a, &against, &limits))
        })
        .py_err(py)?;
    let list = PyList::empty(py);
    for (array, member, error) in rows {
        let row = PyDict::new(py);
        row.set_item("array", array)?;
        row.set_item("member", member)?;
        row.set_item("ok", error.is_none())?;
        match error {
            Some(e) => row.set_item("error", errors::to_py(py, &e).value(py))?,
            None => row.set_item("error", py.None())?,
        }
        list.append(row)?;
    }
    Ok(list)
}

/// Reads an inference request of the Open Inference Protocol (KServe v2, Triton): `body` as
/// received, `header_length` the value of its `Inference-Header-Content-Length` header when
/// it has binary tensors (an int, or the header's text). Every input is bound by name to an
/// array of `spec` and checked before any tensor is allocated. Returns a dict: `id`,
/// `inputs` (input name to array, in request order), `binary_outputs` (the names of the
/// requested outputs that ask for binary data) and `binary_data_output` (whether all do).
#[pyfunction]
#[pyo3(signature = (body, spec, *, header_length=None, limits=None))]
fn loads_infer_request<'py>(
    py: Python<'py>,
    body: &Bound<'py, PyAny>,
    spec: PyBundleSpec,
    header_length: Option<&Bound<'py, PyAny>>,
    limits: Option<PyLimits>,
) -> PyResult<Bound<'py, PyDict>> {
    let header_length = match header_length {
        None => None,
        Some(value) => match value.extract::<usize>() {
            Ok(n) => Some(n),
            Err(_) => {
                let text: String = value
                    .extract()
                    .map_err(|_| usage(py, "header_length must be an int or a str"))?;
                Some(oip::parse_header_length(text.as_bytes()).py_err(py)?)
            }
        },
    };
    let bytes = io::data(py, body, false)?;
    let options = oip::ReadOptions::new().limits(limits_of(limits.as_ref()));
    let request = py
        .detach(|| options.read(bytes.as_ref(), header_length, &spec.inner))
        .py_err(py)?;
    let out = PyDict::new(py);
    out.set_item("id", request.id())?;
    let binary: Vec<&str> = request
        .outputs()
        .iter()
        .filter(|o| request.wants_binary(o.name()))
        .map(|o| o.name())
        .collect();
    out.set_item("binary_outputs", binary)?;
    out.set_item("binary_data_output", request.binary_data_output())?;
    let inputs = PyDict::new(py);
    for (name, array) in request.into_arrays() {
        inputs.set_item(name, to_numpy(py, array)?)?;
    }
    out.set_item("inputs", inputs)?;
    Ok(out)
}

/// What the members of an archive are checked against.
enum Against {
    /// One spec for each member.
    Array(ArraySpec),
    /// Members bound to the bundle's arrays by name.
    Bundle(arrayguard::BundleSpec),
}

/// One verdict: the array, its member (None for a missing array), the error if any.
type Row = (String, Option<String>, Option<arrayguard::Error>);

fn check_members<R: std::io::Read + std::io::Seek>(
    mut archive: npz::Archive<R>,
    against: &Against,
    limits: &arrayguard::Limits,
) -> Vec<Row> {
    let members: Vec<(String, String)> = archive
        .members()
        .iter()
        .map(|m| (m.array().to_owned(), m.name().to_owned()))
        .collect();
    match against {
        Against::Array(spec) => members
            .into_iter()
            .map(|(array, member)| {
                let error = archive.check(&array, spec).err();
                (array, Some(member), error)
            })
            .collect(),
        Against::Bundle(bundle) => {
            let checker = BundleChecker::new(bundle).limits(limits.clone());
            archive
                .check_bundle(&checker)
                .into_iter()
                .map(|v| {
                    let member = v
                        .input()
                        .and_then(|i| members.get(i))
                        .map(|(_, name)| name.clone());
                    let array = v.array().to_owned();
                    (array, member, v.into_result().err())
                })
                .collect()
        }
    }
}

/// The arrayguard Python package's native module.
#[pymodule]
#[pyo3(name = "_native")]
fn native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("ArrayGuardError", m.py().get_type::<ArrayGuardError>())?;
    m.add_class::<PyLimits>()?;
    m.add_class::<PyArraySpec>()?;
    m.add_class::<PyBundleSpec>()?;
    m.add_class::<arrays::Payload>()?;
    m.add_function(wrap_pyfunction!(loads_npy, m)?)?;
    m.add_function(wrap_pyfunction!(load_npy, m)?)?;
    m.add_function(wrap_pyfunction!(check_npy, m)?)?;
    m.add_function(wrap_pyfunction!(inspect_npy, m)?)?;
    m.add_function(wrap_pyfunction!(loads_raw, m)?)?;
    m.add_function(wrap_pyfunction!(loads_json, m)?)?;
    m.add_function(wrap_pyfunction!(from_json_value, m)?)?;
    m.add_function(wrap_pyfunction!(dumps_npy, m)?)?;
    m.add_function(wrap_pyfunction!(dumps_json, m)?)?;
    m.add_function(wrap_pyfunction!(load_npz, m)?)?;
    m.add_function(wrap_pyfunction!(check_npz, m)?)?;
    m.add_function(wrap_pyfunction!(loads_infer_request, m)?)?;
    Ok(())
}
