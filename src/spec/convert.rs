//! Conversions between the wire form of spec files and the validated specs.
//!
//! Wire → validated goes through the builders ([`ArraySpec`], [`ShapeSpec::new`],
//! [`ValueSpec::validate`], [`BundleSpec::build`]) and rejects every contradiction once, so a
//! loaded spec is always consistent. Errors are [`ErrorKind::InvalidSpec`] whose location is the
//! key path in the file (`arrays.X.shape`, `array.shape[2]`); the loader adds the line and
//! column.
//!
//! Validated → wire writes the canonical form: dtypes as names, shapes as the shorthand, and,
//! for a bundle, each array as it was written (without the declared dimensions and bundle
//! limits that [`BundleSpec::build`] folds into every array).

use super::wire::{
    ArrayWire, AxisWire, ByteOrderWire, DTypeWire, DimRangeWire, DimWire, FileWire, KindName,
    KindWire, LimitsWire, Named, OrderWire, RangeWire, ShapeWire, ValuesWire,
};
use super::{ArraySpec, AxisSpec, BundleSpec, Dim, ShapeItem, ShapeSpec, SpecFile, ValueSpec};
use crate::descr;
use crate::dtype::{ByteOrder, DType};
use crate::error::{Error, ErrorKind, Result};
use crate::limits::LimitOverrides;
use crate::shape::Order;
use crate::util::{excerpt, to_u64};

/// The only version of the format.
const VERSION: u32 = 1;

fn invalid(location: impl Into<Box<str>>, reason: impl Into<Box<str>>) -> Error {
    Error::from(ErrorKind::InvalidSpec {
        location: location.into(),
        reason: reason.into(),
    })
}

/// Puts the location of an [`ErrorKind::InvalidSpec`] under `prefix` (`shape` under `arrays.X`
/// becomes `arrays.X.shape`); other errors pass through.
fn within(prefix: &str) -> impl Fn(Error) -> Error + '_ {
    move |e| match e.into_kind() {
        ErrorKind::InvalidSpec { location, reason } => {
            let location = if location.is_empty() {
                prefix.to_string()
            } else if location.starts_with('[') {
                format!("{prefix}{location}")
            } else {
                format!("{prefix}.{location}")
            };
            invalid(location, reason)
        }
        other => other.into(),
    }
}

/// Replaces the location of an [`ErrorKind::InvalidSpec`] (errors of the builders name the
/// concept, `shape`, not the place in the file).
fn relocate(location: &str) -> impl Fn(Error) -> Error + '_ {
    move |e| match e.into_kind() {
        ErrorKind::InvalidSpec { reason, .. } => invalid(location, reason),
        other => other.into(),
    }
}

fn to_usize(n: u64, location: &str) -> Result<usize> {
    usize::try_from(n).map_err(|_| invalid(location, format!("{n} does not fit in usize")))
}

impl TryFrom<FileWire> for SpecFile {
    type Error = Error;

    fn try_from(wire: FileWire) -> Result<SpecFile> {
        if wire.version != VERSION {
            return Err(invalid(
                "version",
                format!("expected {VERSION}, found {}", wire.version),
            ));
        }
        match (wire.array, wire.arrays) {
            (Some(_), Some(_)) => Err(invalid(
                "arrays",
                "expected either `array` (one array) or `arrays` (a bundle), found both",
            )),
            (None, None) => Err(invalid(
                "array",
                "expected `array` (one array) or `arrays` (a bundle), found neither",
            )),
            (Some(array), None) => {
                if wire.dims.is_some() {
                    return Err(invalid("dims", "`dims` belongs to a bundle (`arrays`); one array states its dimensions in `array.shape`"));
                }
                if wire.limits.is_some() {
                    return Err(invalid("limits", "top-level `limits` belongs to a bundle (`arrays`); put one array's limits in `array.limits`"));
                }
                ArraySpec::try_from(array)
                    .map(SpecFile::Array)
                    .map_err(within("array"))
            }
            (None, Some(arrays)) => {
                let mut bundle = BundleSpec::new();
                for (name, dim) in wire.dims.unwrap_or_default().0 {
                    bundle = bundle.with_dim(&name, declared_dim(dim, &format!("dims.{name}"))?);
                }
                for (name, array) in arrays.0 {
                    let spec =
                        ArraySpec::try_from(array).map_err(within(&format!("arrays.{name}")))?;
                    bundle = bundle.with_array(&name, spec);
                }
                if let Some(limits) = wire.limits {
                    bundle = bundle.with_limits(limit_overrides(limits).map_err(within("limits"))?);
                }
                bundle.build().map(SpecFile::Bundle)
            }
        }
    }
}

/// A declared dimension; an empty range is left for [`BundleSpec::build`] to report.
fn declared_dim(wire: DimWire, location: &str) -> Result<Dim> {
    match wire {
        DimWire::Exact(n) => Ok(Dim::Exact(to_usize(n, location)?)),
        DimWire::Range(DimRangeWire { min, max }) => {
            let min = to_usize(min.unwrap_or(0), location)?;
            let max = match max {
                Some(max) => to_usize(max, location)?,
                None => usize::MAX,
            };
            Ok(Dim::between(min, max))
        }
    }
}

impl TryFrom<ArrayWire> for ArraySpec {
    type Error = Error;

    /// Locations are relative to the array (`shape`, `values.enum`).
    fn try_from(wire: ArrayWire) -> Result<ArraySpec> {
        let mut spec = ArraySpec::any();
        let mut typestr_order = None;
        if let Some(dtype) = wire.dtype {
            let (dtypes, order) = dtypes(dtype)?;
            spec = spec.with_dtypes(dtypes);
            typestr_order = order;
        }
        let byte_order = match (wire.byte_order, typestr_order) {
            (ByteOrderWire::Any, order) => order,
            (ByteOrderWire::Little, Some(ByteOrder::Big))
            | (ByteOrderWire::Big, Some(ByteOrder::Little)) => {
                return Err(invalid(
                    "byte_order",
                    "contradicts the byte order of the type string in `dtype`",
                ))
            }
            (ByteOrderWire::Little, _) => Some(ByteOrder::Little),
            (ByteOrderWire::Big, _) => Some(ByteOrder::Big),
        };
        if let Some(byte_order) = byte_order {
            spec = spec.with_byte_order(byte_order);
        }
        if let Some(shape) = wire.shape {
            spec = spec.with_shape_spec(shape_spec(shape)?);
        }
        match wire.order {
            OrderWire::C => spec = spec.with_order(Order::C),
            OrderWire::F => spec = spec.with_order(Order::F),
            OrderWire::Any => {}
        }
        if let Some(values) = wire.values {
            let values = value_spec(values, spec.dtypes()).map_err(within("values"))?;
            spec = spec.with_values(values);
        }
        if let Some(limits) = wire.limits {
            spec = spec.with_limits(limit_overrides(limits).map_err(within("limits"))?);
        }
        Ok(spec)
    }
}

/// The dtypes of a `dtype` value, and the byte order its type strings state (all of them
/// must agree).
fn dtypes(wire: DTypeWire) -> Result<(Vec<DType>, Option<ByteOrder>)> {
    match wire {
        DTypeWire::Name(name) => {
            let (dtype, order) = dtype_name(&name).map_err(|reason| invalid("dtype", reason))?;
            Ok((vec![dtype], order))
        }
        DTypeWire::List(names) => {
            if names.is_empty() {
                return Err(invalid("dtype", "empty list: no dtype would be accepted"));
            }
            let mut list = Vec::with_capacity(names.len());
            let mut byte_order: Option<ByteOrder> = None;
            for (i, name) in names.iter().enumerate() {
                let (dtype, order) =
                    dtype_name(name).map_err(|reason| invalid(format!("dtype[{i}]"), reason))?;
                if let (Some(first), Some(order)) = (byte_order, order) {
                    if first != order {
                        return Err(invalid(
                            format!("dtype[{i}]"),
                            format!("`{name}` is {order}-endian but an earlier type string is {first}-endian; one spec has one byte order"),
                        ));
                    }
                }
                byte_order = byte_order.or(order);
                list.push(dtype);
            }
            Ok((list, byte_order))
        }
        DTypeWire::Kind(kind) => kind_dtypes(&kind).map(|list| (list, None)),
    }
}

/// A dtype in any spelling [`DType::parse_any`] reads; the byte order is that of a multi-byte
/// type string.
fn dtype_name(name: &str) -> std::result::Result<(DType, Option<ByteOrder>), String> {
    match descr::parse_known(name) {
        Ok(Some(parsed)) => Ok(parsed),
        Ok(None) => Err(format!(
            "unknown dtype `{}`: expected a name such as `f32` or `float32`, or a NumPy type string such as `<f4`",
            excerpt(name, 40)
        )),
        Err(e) => Err(e.to_string()),
    }
}

fn kind_dtypes(kind: &KindWire) -> Result<Vec<DType>> {
    let min = kind.min_bits.unwrap_or(0);
    let max = kind.max_bits.unwrap_or(u32::MAX);
    if min > max {
        return Err(invalid(
            "dtype",
            format!("`min_bits` ({min}) is above `max_bits` ({max})"),
        ));
    }
    let (kind_char, kind_name) = match kind.kind {
        KindName::Bool => ('b', "bool"),
        KindName::Int => ('i', "int"),
        KindName::Uint => ('u', "uint"),
        KindName::Float => ('f', "float"),
        KindName::Complex => ('c', "complex"),
    };
    let of_kind = DType::ALL.into_iter().filter(|d| d.kind() == kind_char);
    let bits = |d: &DType| u32::try_from(d.itemsize() * 8).unwrap_or(u32::MAX);
    let list: Vec<DType> = of_kind
        .clone()
        .filter(|d| (min..=max).contains(&bits(d)))
        .collect();
    if list.is_empty() {
        let mut sizes: Vec<u32> = of_kind.map(|d| bits(&d)).collect();
        sizes.sort_unstable();
        sizes.dedup();
        let sizes: Vec<String> = sizes.iter().map(u32::to_string).collect();
        let wanted = match (kind.min_bits, kind.max_bits) {
            (Some(min), Some(max)) => format!("{min} to {max} bits"),
            (Some(min), None) => format!("at least {min} bits"),
            (None, Some(max)) => format!("at most {max} bits"),
            (None, None) => "any size".to_string(),
        };
        return Err(invalid(
            "dtype",
            format!(
                "no `{kind_name}` dtype has {wanted} (the `{kind_name}` dtypes have {} bits)",
                sizes.join(", ")
            ),
        ));
    }
    Ok(list)
}

fn shape_spec(wire: ShapeWire) -> Result<ShapeSpec> {
    let axes = match wire {
        ShapeWire::Shorthand(text) => return ShapeSpec::parse(&text),
        ShapeWire::List(axes) => axes,
    };
    let mut items = Vec::with_capacity(axes.len());
    for (i, axis) in axes.into_iter().enumerate() {
        let location = format!("shape[{i}]");
        let item = match axis {
            AxisWire::Size(n) => {
                ShapeItem::Axis(AxisSpec::new(Dim::Exact(to_usize(n, &location)?)))
            }
            AxisWire::Any(()) => ShapeItem::Axis(AxisSpec::new(Dim::Any)),
            AxisWire::Token(token) => one_token(&token).map_err(relocate(&location))?,
            AxisWire::Range(RangeWire { name, min, max }) => {
                let min = to_usize(min.unwrap_or(0), &location)?;
                let max = match max {
                    Some(max) => to_usize(max, &location)?,
                    None => usize::MAX,
                };
                if min > max {
                    return Err(invalid(location, format!("empty range {min}..={max}")));
                }
                let dim = Dim::between(min, max);
                match name {
                    None => ShapeItem::Axis(AxisSpec::new(dim)),
                    Some(name) => {
                        let location = format!("{location}.name");
                        match one_token(&name).map_err(relocate(&location))? {
                            ShapeItem::Axis(axis) if axis.dim() == Dim::Any => match axis.name() {
                                Some(name) => ShapeItem::Axis(AxisSpec::named(name, dim)),
                                None => ShapeItem::Axis(AxisSpec::new(dim)),
                            },
                            _ => {
                                return Err(invalid(
                                    location,
                                    format!(
                                        "expected a dimension name, found `{}`",
                                        excerpt(&name, 40)
                                    ),
                                ))
                            }
                        }
                    }
                }
            }
        };
        items.push(item);
    }
    ShapeSpec::new(items)
}

/// The item of a shorthand holding exactly one token.
fn one_token(token: &str) -> Result<ShapeItem> {
    let spec = ShapeSpec::parse(token)?;
    match spec.items() {
        [item] => Ok(item.clone()),
        _ => Err(invalid(
            "shape",
            format!(
                "expected one dimension token, found `{}`",
                excerpt(token, 40)
            ),
        )),
    }
}

/// Value constraints; locations are relative to `values`.
fn value_spec(wire: ValuesWire, dtypes: Option<&[DType]>) -> Result<ValueSpec> {
    let mut spec = ValueSpec::new();
    if let Some(bound) = wire.min {
        spec = spec.min(bound);
    }
    if let Some(bound) = wire.max {
        spec = spec.max(bound);
    }
    if let Some(bound) = wire.exclusive_min {
        spec = spec.exclusive_min(bound);
    }
    if let Some(bound) = wire.exclusive_max {
        spec = spec.exclusive_max(bound);
    }
    if wire.finite == Some(true) {
        for (key, allowed) in [("nan", wire.nan), ("inf", wire.inf)] {
            if allowed == Some(true) {
                return Err(invalid(
                    key,
                    format!("`{key} = true` contradicts `finite = true`"),
                ));
            }
        }
        spec = spec.finite();
    }
    if let Some(allow) = wire.nan {
        spec = spec.allow_nan(allow);
    }
    if let Some(allow) = wire.inf {
        spec = spec.allow_inf(allow);
    }
    if let Some(list) = wire.one_of {
        let Some(dtypes) = dtypes else {
            return Err(invalid(
                "enum",
                "`enum` lists integers, so `dtype` must be restricted to bool or integer dtypes",
            ));
        };
        if let Some(dtype) = dtypes.iter().find(|d| matches!(d.kind(), 'f' | 'c')) {
            return Err(invalid(
                "enum",
                format!("`enum` lists integers, but `{dtype}` is not an integer dtype"),
            ));
        }
        spec = spec.one_of(list);
    }
    spec.validate().map_err(relocate(""))?;
    Ok(spec)
}

fn limit_overrides(wire: LimitsWire) -> Result<LimitOverrides> {
    let usize_field = |n: Option<u64>, key: &str| n.map(|n| to_usize(n, key)).transpose();
    Ok(LimitOverrides {
        max_bytes: wire.max_bytes,
        max_elements: wire.max_elements,
        max_ndim: usize_field(wire.max_ndim, "max_ndim")?,
        max_header_bytes: usize_field(wire.max_header_bytes, "max_header_bytes")?,
        max_depth: usize_field(wire.max_depth, "max_depth")?,
        max_input_bytes: wire.max_input_bytes,
        max_members: usize_field(wire.max_members, "max_members")?,
        max_archive_bytes: wire.max_archive_bytes,
        max_compression_ratio: wire.max_compression_ratio,
    })
}

impl From<&SpecFile> for FileWire {
    fn from(spec: &SpecFile) -> FileWire {
        let mut wire = FileWire {
            version: VERSION,
            ..FileWire::default()
        };
        match spec {
            SpecFile::Array(array) => wire.array = Some(ArrayWire::from(array)),
            SpecFile::Bundle(bundle) => {
                let dims: Vec<(String, DimWire)> = bundle
                    .dims()
                    .map(|(name, dim)| (name.to_string(), dim_wire(dim)))
                    .collect();
                wire.dims = (!dims.is_empty()).then_some(Named(dims));
                let arrays = bundle
                    .names()
                    .filter_map(|name| Some((name, bundle.array(name)?)))
                    .map(|(name, spec)| (name.to_string(), array_in_bundle(bundle, spec)))
                    .collect();
                wire.arrays = Some(Named(arrays));
                wire.limits = bundle.limit_overrides().map(limits_wire);
            }
        }
        wire
    }
}

/// An array of a built bundle as it was written: a named axis whose constraint is the
/// declared one becomes the bare name, and limits equal to the bundle's are left out.
/// Building the bundle again folds them back in, to the same spec.
fn array_in_bundle(bundle: &BundleSpec, spec: &ArraySpec) -> ArrayWire {
    let mut wire = ArrayWire::from(spec);
    if let Some(shape) = spec.shape_spec() {
        let items = shape.items().iter().map(|item| match item {
            ShapeItem::Axis(axis) => {
                let declared = axis
                    .name()
                    .and_then(|name| bundle.dims().find(|(d, _)| *d == name));
                match declared {
                    Some((name, dim)) if dim == axis.dim() => {
                        ShapeItem::Axis(AxisSpec::named(name, Dim::Any))
                    }
                    _ => item.clone(),
                }
            }
            ShapeItem::Variadic(_) => item.clone(),
        });
        let written = ShapeSpec::new_unchecked(items.collect());
        wire.shape = Some(ShapeWire::Shorthand(written.to_string()));
    }
    if let (Some(outer), Some(own)) = (bundle.limit_overrides(), spec.limit_overrides()) {
        let keep = |own: Option<u64>, outer: Option<u64>| own.filter(|_| own != outer);
        let to_u64 = |n: Option<usize>| n.map(to_u64);
        let limits = LimitsWire {
            max_bytes: keep(own.max_bytes, outer.max_bytes),
            max_elements: keep(own.max_elements, outer.max_elements),
            max_ndim: keep(to_u64(own.max_ndim), to_u64(outer.max_ndim)),
            max_header_bytes: keep(to_u64(own.max_header_bytes), to_u64(outer.max_header_bytes)),
            max_depth: keep(to_u64(own.max_depth), to_u64(outer.max_depth)),
            max_input_bytes: keep(own.max_input_bytes, outer.max_input_bytes),
            max_members: keep(to_u64(own.max_members), to_u64(outer.max_members)),
            max_archive_bytes: keep(own.max_archive_bytes, outer.max_archive_bytes),
            max_compression_ratio: keep(own.max_compression_ratio, outer.max_compression_ratio),
        };
        wire.limits = (limits != LimitsWire::default()).then_some(limits);
    }
    wire
}

impl From<&ArraySpec> for ArrayWire {
    fn from(spec: &ArraySpec) -> ArrayWire {
        let dtype = spec.dtypes().map(|list| match list {
            [one] => DTypeWire::Name(one.name().to_string()),
            many => DTypeWire::List(many.iter().map(|d| d.name().to_string()).collect()),
        });
        let values = spec.values();
        ArrayWire {
            dtype,
            byte_order: match spec.byte_order() {
                None => ByteOrderWire::Any,
                Some(ByteOrder::Little) => ByteOrderWire::Little,
                Some(ByteOrder::Big) => ByteOrderWire::Big,
            },
            shape: spec
                .shape_spec()
                .map(|shape| ShapeWire::Shorthand(shape.to_string())),
            order: match spec.order() {
                None => OrderWire::Any,
                Some(Order::C) => OrderWire::C,
                Some(Order::F) => OrderWire::F,
            },
            values: (!values.is_empty()).then(|| values_wire(values)),
            limits: spec.limit_overrides().map(limits_wire),
        }
    }
}

fn values_wire(values: &ValueSpec) -> ValuesWire {
    let (min, max, exclusive_min, exclusive_max) = values.bounds();
    let finite = !values.allows_nan() && !values.allows_inf();
    let forbidden = |allowed: bool| (!finite && !allowed).then_some(false);
    ValuesWire {
        min,
        max,
        exclusive_min,
        exclusive_max,
        finite: finite.then_some(true),
        nan: forbidden(values.allows_nan()),
        inf: forbidden(values.allows_inf()),
        one_of: values.allowed_values().map(<[i64]>::to_vec),
    }
}

fn limits_wire(limits: &LimitOverrides) -> LimitsWire {
    LimitsWire {
        max_bytes: limits.max_bytes,
        max_elements: limits.max_elements,
        max_ndim: limits.max_ndim.map(to_u64),
        max_header_bytes: limits.max_header_bytes.map(to_u64),
        max_depth: limits.max_depth.map(to_u64),
        max_input_bytes: limits.max_input_bytes,
        max_members: limits.max_members.map(to_u64),
        max_archive_bytes: limits.max_archive_bytes,
        max_compression_ratio: limits.max_compression_ratio,
    }
}

fn dim_wire(dim: Dim) -> DimWire {
    match dim {
        Dim::Exact(n) => DimWire::Exact(to_u64(n)),
        Dim::Any => DimWire::Range(DimRangeWire::default()),
        Dim::Range { min, max } => DimWire::Range(DimRangeWire {
            min: (min != 0).then_some(to_u64(min)),
            max: (max != usize::MAX).then_some(to_u64(max)),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn loaded(dtype: &str) -> ArraySpec {
        let text = format!("version = 1\n[array]\ndtype = {dtype}\n");
        let file = SpecFile::from_toml_str(&text).unwrap_or_else(|e| panic!("{dtype}: {e}"));
        file.array().cloned().unwrap()
    }

    #[test]
    fn numpy_spellings_of_a_dtype_load() {
        let cases: &[(&str, &[DType], Option<ByteOrder>)] = &[
            (r#""f4""#, &[DType::F32], None),
            (r#""float32""#, &[DType::F32], None),
            (r#""f32""#, &[DType::F32], None),
            // The crate's `i8` is one byte; NumPy's 8-byte `i8` is `int64` or `<i8`.
            (r#""i8""#, &[DType::I8], None),
            (r#""int64""#, &[DType::I64], None),
            (r#""<i8""#, &[DType::I64], Some(ByteOrder::Little)),
            (r#""|u1""#, &[DType::U8], None),
            (
                r#"["f4", "c16", "?"]"#,
                &[DType::Bool, DType::F32, DType::Complex128],
                None,
            ),
        ];
        for (dtype, dtypes, byte_order) in cases {
            let spec = loaded(dtype);
            assert_eq!(spec.dtypes(), Some(*dtypes), "{dtype}");
            assert_eq!(spec.byte_order(), *byte_order, "{dtype}");
        }
        // A code states no byte order, so it never contradicts `byte_order`.
        let text = "version = 1\n[array]\ndtype = \"f4\"\nbyte_order = \"big\"\n";
        let spec = SpecFile::from_toml_str(text).unwrap();
        assert_eq!(spec.array().unwrap().byte_order(), Some(ByteOrder::Big));
        let json = r#"{"version": 1, "array": {"dtype": "f4"}}"#;
        let spec = SpecFile::from_json_str(json).unwrap();
        assert_eq!(spec.array().unwrap().dtypes(), Some(&[DType::F32][..]));
    }

    #[test]
    fn platform_dependent_spellings_say_why() {
        let text = "version = 1\n[array]\ndtype = \"long\"\n";
        let e = SpecFile::from_toml_str(text).unwrap_err();
        assert_eq!(e.code(), "config.invalid_spec");
        assert!(
            e.to_string()
                .contains("invalid dtype `long`: names a C type"),
            "{e}"
        );
    }
}
