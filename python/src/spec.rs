//! `ArraySpec`, `BundleSpec` and `Limits`: the library's descriptors, built from the same
//! vocabulary as spec files (the keyword arguments are a spec file's `array` table).

use arrayguard::SpecFile;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyType};

use crate::errors::{usage, IntoPy};

/// Resource limits, checked on declared numbers before anything is allocated. Every argument
/// defaults to the library's default (`Limits()` is safe for a service).
#[pyclass(name = "Limits", module = "arrayguard", eq, from_py_object)]
#[derive(Clone, PartialEq)]
pub(crate) struct PyLimits {
    pub(crate) inner: arrayguard::Limits,
}

macro_rules! limit_fields {
    ($($field:ident: $t:ty),* $(,)?) => {
        #[pymethods]
        impl PyLimits {
            #[new]
            #[pyo3(signature = (*, $($field = None),*))]
            #[allow(clippy::too_many_arguments)]
            fn new($($field: Option<$t>),*) -> Self {
                let mut inner = arrayguard::Limits::default();
                $(if let Some(value) = $field { inner.$field = value; })*
                PyLimits { inner }
            }

            /// No limits at all. Never use this on untrusted input.
            #[staticmethod]
            fn unlimited() -> Self {
                PyLimits { inner: arrayguard::Limits::unlimited() }
            }

            $(
                #[getter]
                fn $field(&self) -> $t {
                    self.inner.$field
                }
            )*

            fn __repr__(&self) -> String {
                let mut parts = Vec::new();
                $(parts.push(format!("{}={}", stringify!($field), self.inner.$field));)*
                format!("Limits({})", parts.join(", "))
            }

            /// The limits as a dict of their fields.
            fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
                let dict = PyDict::new(py);
                $(dict.set_item(stringify!($field), self.inner.$field)?;)*
                Ok(dict)
            }
        }
    };
}

limit_fields!(
    max_bytes: u64,
    max_elements: u64,
    max_ndim: usize,
    max_header_bytes: usize,
    max_depth: usize,
    max_input_bytes: u64,
    max_members: usize,
    max_archive_bytes: u64,
    max_compression_ratio: u64,
);

/// What one array must be: dtypes, shape (with named and variadic dims), order, byte order,
/// value constraints and limit overrides, in the vocabulary of spec files:
/// `ArraySpec(dtype=["f4", "f8"], shape="*batch 224 224 3", values={"min": 0, "max": 1})`.
#[pyclass(name = "ArraySpec", module = "arrayguard", frozen, from_py_object)]
#[derive(Clone)]
pub(crate) struct PyArraySpec {
    pub(crate) inner: arrayguard::ArraySpec,
}

#[pymethods]
impl PyArraySpec {
    #[new]
    #[pyo3(signature = (dtype=None, shape=None, order=None, byte_order=None, values=None, limits=None))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        py: Python<'_>,
        dtype: Option<Bound<'_, PyAny>>,
        shape: Option<Bound<'_, PyAny>>,
        order: Option<Bound<'_, PyAny>>,
        byte_order: Option<Bound<'_, PyAny>>,
        values: Option<Bound<'_, PyAny>>,
        limits: Option<Bound<'_, PyAny>>,
    ) -> PyResult<Self> {
        if let Some(dtype) = dtype.as_ref() {
            refuse_ambiguous_dtypes(py, dtype)?;
        }
        let table = PyDict::new(py);
        for (key, value) in [
            ("dtype", dtype),
            ("shape", shape),
            ("order", order),
            ("byte_order", byte_order),
            ("values", values),
            ("limits", limits),
        ] {
            if let Some(value) = value.filter(|v| !v.is_none()) {
                // A `Limits` object stands for all of its fields.
                let value = match value.cast::<PyLimits>() {
                    Ok(l) => l.borrow().to_dict(py)?.into_any(),
                    Err(_) => value,
                };
                table.set_item(key, value)?;
            }
        }
        let array: serde_json::Value =
            pythonize::depythonize(&table).map_err(|e| usage(py, format!("ArraySpec: {e}")))?;
        let text = serde_json::json!({"version": 1, "array": array}).to_string();
        let file = SpecFile::from_json_str(&text).py_err(py)?;
        match file {
            SpecFile::Array(inner) => Ok(PyArraySpec { inner }),
            _ => Err(usage(py, "ArraySpec: not a single-array spec")),
        }
    }

    /// Loads a single-array spec file (`.json` or `.toml`).
    #[classmethod]
    fn from_file(
        _cls: &Bound<'_, PyType>,
        py: Python<'_>,
        path: std::path::PathBuf,
    ) -> PyResult<Self> {
        match SpecFile::from_path(&path).py_err(py)? {
            SpecFile::Array(inner) => Ok(PyArraySpec { inner }),
            _ => Err(usage(
                py,
                format!(
                    "{}: a bundle spec (`arrays`); use BundleSpec.from_file",
                    path.display()
                ),
            )),
        }
    }

    /// The spec as a spec file's `array` table.
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let text = SpecFile::from(self.inner.clone())
            .to_json_string()
            .py_err(py)?;
        let value: serde_json::Value =
            serde_json::from_str(&text).map_err(|e| usage(py, e.to_string()))?;
        pythonize::pythonize(py, &value["array"]).map_err(|e| usage(py, e.to_string()))
    }

    /// The JSON Schema of the JSON payloads this spec accepts (nested arrays or the
    /// envelope), as `arrayguard schema --payload` prints it.
    fn json_schema<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        pythonize::pythonize(py, &self.inner.payload_schema()).map_err(|e| usage(py, e.to_string()))
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        let text = SpecFile::from(self.inner.clone())
            .to_json_string()
            .py_err(py)?;
        let value: serde_json::Value =
            serde_json::from_str(&text).map_err(|e| usage(py, e.to_string()))?;
        Ok(format!("ArraySpec({})", value["array"]))
    }
}

/// `i8` and `u8` are int64 and uint64 to NumPy but int8 and uint8 in spec files: in Python
/// either reading surprises someone, so neither is taken.
pub(crate) fn refuse_ambiguous_dtypes(py: Python<'_>, dtype: &Bound<'_, PyAny>) -> PyResult<()> {
    let names: Vec<String> = match dtype.extract::<String>() {
        Ok(name) => vec![name],
        Err(_) => dtype.extract::<Vec<String>>().unwrap_or_default(),
    };
    for name in names {
        let meant = match name.as_str() {
            "i8" => ("int64", "<i8", "int8"),
            "u8" => ("uint64", "<u8", "uint8"),
            _ => continue,
        };
        let error = arrayguard::Error::from(arrayguard::ErrorKind::InvalidSpec {
            location: "array.dtype".into(),
            reason: format!(
                "`{name}` is {} to NumPy but {} to arrayguard: write `{}` or `{}` for the one, \
                 `{}` for the other",
                meant.0, meant.2, meant.0, meant.1, meant.2
            )
            .into(),
        });
        return Err(crate::errors::to_py(py, &error));
    }
    Ok(())
}

/// Several named arrays with shared named dimensions, from a bundle spec file (`arrays`).
#[pyclass(name = "BundleSpec", module = "arrayguard", frozen, from_py_object)]
#[derive(Clone)]
pub(crate) struct PyBundleSpec {
    pub(crate) inner: arrayguard::BundleSpec,
}

#[pymethods]
impl PyBundleSpec {
    /// Loads a bundle spec file (`.json` or `.toml` with an `arrays` table).
    #[classmethod]
    fn from_file(
        _cls: &Bound<'_, PyType>,
        py: Python<'_>,
        path: std::path::PathBuf,
    ) -> PyResult<Self> {
        match SpecFile::from_path(&path).py_err(py)? {
            SpecFile::Bundle(inner) => Ok(PyBundleSpec { inner }),
            _ => Err(usage(
                py,
                format!(
                    "{}: a single-array spec (`array`); use ArraySpec.from_file",
                    path.display()
                ),
            )),
        }
    }

    /// The names of the bundle's arrays, in order.
    #[getter]
    fn names(&self) -> Vec<String> {
        self.inner.names().map(str::to_owned).collect()
    }

    /// The spec of the array `name`.
    fn array(&self, py: Python<'_>, name: &str) -> PyResult<PyArraySpec> {
        self.inner
            .array(name)
            .map(|inner| PyArraySpec {
                inner: inner.clone(),
            })
            .ok_or_else(|| usage(py, format!("the bundle has no array `{name}`")))
    }

    fn __repr__(&self) -> String {
        format!("BundleSpec(names={:?})", self.names())
    }
}
